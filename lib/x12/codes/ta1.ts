import type { CodeList } from "./code-list";

/** TA104: what the receiver did with the interchange as a whole. */
export const ta1AcknowledgementCodes: CodeList = {
  A: { meaning: "the interchange envelope was accepted with no errors" },
  E: { meaning: "the interchange was accepted, but the envelope has errors the receiver noted", fix: "Correct the envelope error named by the note code before the next file; this file is being processed." },
  R: { meaning: "the interchange was rejected because of errors in its envelope: nothing in it will be processed", fix: "Correct the envelope error named by the note code and send the whole file again with a new ISA13." },
};

/**
 * TA105: which part of the ISA/IEA envelope the receiver objected to. Most are set by the
 * translator that built the file, so the fix is usually a setting in the sending software or in
 * the portal's partner profile, not in the claims.
 */
export const ta1NoteCodes: CodeList = {
  "000": { meaning: "no error" },
  "001": { meaning: "the interchange control number in ISA13 and IEA02 differ (the receiver used the ISA13 value)", fix: "Make IEA02 repeat ISA13 exactly." },
  "002": { meaning: "the control standards identifier is not supported", fix: "Send ISA11 as the receiver's companion guide requires (the repetition separator for 5010)." },
  "003": { meaning: "this version of the interchange controls is not supported", fix: "Send ISA12 = 00501 for HIPAA 5010 files, or the version the receiver names." },
  "004": { meaning: "the segment terminator is not valid", fix: "Use a segment terminator the receiver accepts (usually ~) and make sure it does not appear inside data." },
  "005": { meaning: "the sender ID qualifier in ISA05 is not valid", fix: "Use the qualifier from your trading partner agreement (often ZZ)." },
  "006": { meaning: "the sender ID in ISA06 is not valid", fix: "Send the sender ID the payer assigned to you, left-aligned and padded with spaces to 15 characters." },
  "007": { meaning: "the receiver ID qualifier in ISA07 is not valid", fix: "Use the qualifier the payer's companion guide gives for its receiver ID." },
  "008": { meaning: "the receiver ID in ISA08 is not valid", fix: "Send the payer's receiver ID exactly as its companion guide gives it, padded with spaces to 15 characters." },
  "009": { meaning: "the receiver ID in ISA08 is not known to the receiver", fix: "Check that the file went to the right payer and that ISA08 carries that payer's receiver ID." },
  "010": { meaning: "the authorization information qualifier in ISA01 is not valid", fix: "Send ISA01 = 00 unless the payer asks otherwise." },
  "011": { meaning: "the authorization information in ISA02 is not valid", fix: "Send ISA02 as 10 spaces unless the payer gave you a value." },
  "012": { meaning: "the security information qualifier in ISA03 is not valid", fix: "Send ISA03 = 00 unless the payer asks otherwise." },
  "013": { meaning: "the security information in ISA04 is not valid", fix: "Send ISA04 as 10 spaces unless the payer gave you a password for it." },
  "014": { meaning: "the interchange date in ISA09 is not valid", fix: "Send the creation date as YYMMDD." },
  "015": { meaning: "the interchange time in ISA10 is not valid", fix: "Send the creation time as HHMM (24-hour clock)." },
  "016": { meaning: "the interchange standards identifier in ISA11 is not valid", fix: "For 5010 send the repetition separator in ISA11 (commonly ^)." },
  "017": { meaning: "the interchange version in ISA12 is not valid", fix: "Send ISA12 = 00501 for HIPAA 5010 files." },
  "018": { meaning: "the interchange control number in ISA13 is not valid", fix: "Send ISA13 as exactly nine digits, zero-padded." },
  "019": { meaning: "the acknowledgment-requested flag in ISA14 is not valid", fix: "Send ISA14 as 0 or 1." },
  "020": { meaning: "the test/production indicator in ISA15 is not valid", fix: "Send ISA15 as T for test files or P for production files, as agreed with the payer." },
  "021": { meaning: "the number of functional groups in IEA01 is not valid", fix: "Make IEA01 equal the number of GS segments in the interchange." },
  "022": { meaning: "the control structure is not valid (envelope segments out of order or missing)", fix: "Check the file nests ISA, GS, ST … SE, GE, IEA correctly and was not cut or joined with another file." },
  "023": { meaning: "the file ended too early (premature end of file or transmission)", fix: "Send the complete file again; it was cut off on the way or when written." },
  "024": { meaning: "the content of the interchange is not valid (for example a broken GS segment)", fix: "Check the GS segments and what follows them against the companion guide." },
  "025": { meaning: "the interchange control number in ISA13 was used before", fix: "Give every file a new ISA13; if this is a deliberate resend, ask the payer how it wants duplicates handled." },
  "026": { meaning: "the data element separator is not valid", fix: "Use the element separator the receiver accepts (usually *) and make sure it does not appear inside data." },
  "027": { meaning: "the component element separator in ISA16 is not valid", fix: "Use the component separator the receiver accepts (commonly : or >)." },
  "028": { meaning: "the delivery date in a deferred delivery request is not valid" },
  "029": { meaning: "the delivery time in a deferred delivery request is not valid" },
  "030": { meaning: "the delivery time code in a deferred delivery request is not valid" },
  "031": { meaning: "the grade of service code is not valid" },
};
