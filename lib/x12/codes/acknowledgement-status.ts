import type { CodeList } from "./code-list";

/** IK501 (999) and AK501 (997): the verdict on one transaction set. */
export const transactionSetStatusCodes: CodeList = {
  A: { meaning: "accepted" },
  E: { meaning: "accepted, but errors were noted", fix: "The set goes on to the payer; correct the noted errors in future files so they are not rejected." },
  M: { meaning: "rejected: the message authentication code (MAC) check failed", fix: "Check the security settings agreed with the receiver and send the set again." },
  R: { meaning: "rejected", fix: "Correct the errors listed for this transaction set and send its claims again in a new file." },
  W: { meaning: "rejected: the set failed the receiver's assurance (validity) checks", fix: "Correct the errors listed and send the claims again." },
  X: { meaning: "rejected: after decryption the content could not be analysed", fix: "Check the encryption agreed with the receiver and send the set again." },
};

/** IK502–IK506 (999) and AK502–AK506 (997): why a transaction set was not accepted. */
export const transactionSetErrorCodes: CodeList = {
  "1": { meaning: "the receiver does not support this transaction set", fix: "Check the receiver accepts this transaction type (ST01) from you." },
  "2": { meaning: "the SE trailer is missing", fix: "End every transaction set with an SE segment; the file may have been cut off." },
  "3": { meaning: "the control numbers in ST02 and SE02 differ", fix: "Make SE02 repeat ST02 exactly." },
  "4": { meaning: "the segment count in SE01 is wrong", fix: "Make SE01 count every segment from ST to SE, both included." },
  "5": { meaning: "one or more segments have errors", fix: "Correct the segment errors listed for this transaction set." },
  "6": { meaning: "the transaction set identifier in ST01 is missing or not valid", fix: "Send the transaction type in ST01 (837 for claims)." },
  "7": { meaning: "the transaction set control number in ST02 is missing or not valid", fix: "Send a control number of 4 to 9 characters in ST02." },
  "8": { meaning: "the authentication key name is unknown" },
  "9": { meaning: "the encryption key name is unknown" },
  "10": { meaning: "the requested authentication or encryption service is not available" },
  "11": { meaning: "the security recipient is unknown" },
  "12": { meaning: "the message length is wrong (encryption only)" },
  "13": { meaning: "the message authentication code failed" },
  "15": { meaning: "the security originator is unknown" },
  "16": { meaning: "there is a syntax error in the decrypted text" },
  "17": { meaning: "security is not supported" },
  "18": { meaning: "the transaction set is not inside a functional group", fix: "Wrap the transaction set in GS/GE." },
  "19": { meaning: "the implementation guide reference in ST03 is not valid", fix: "Send the guide's version in ST03 (for example 005010X222A1 for professional claims) and the same in GS08." },
  "23": { meaning: "the transaction set control number in ST02 is used twice in this functional group", fix: "Give each transaction set in a group its own ST02." },
  "24": { meaning: "the S3E security end segment is missing for S3S" },
  "25": { meaning: "the S3S security start segment is missing for S3E" },
  "26": { meaning: "the S4E security end segment is missing for S4S" },
  "27": { meaning: "the S4S security start segment is missing for S4E" },
  I5: { meaning: "one or more segments break the implementation guide's rules", fix: "Correct the segment errors listed for this transaction set." },
  I6: { meaning: "the receiver does not support this implementation guide", fix: "Send the guide version the receiver supports (ST03 and GS08)." },
};

/** AK901: the verdict on the functional group (the GS/GE batch) as a whole. */
export const groupStatusCodes: CodeList = {
  A: { meaning: "accepted" },
  E: { meaning: "accepted, but errors were noted", fix: "The group goes on; correct the noted errors in future files." },
  M: { meaning: "rejected: the message authentication code (MAC) check failed", fix: "Check the security settings agreed with the receiver and send the group again." },
  P: { meaning: "partially accepted: at least one transaction set was rejected", fix: "Resend only the claims of the rejected transaction sets, after correcting them." },
  R: { meaning: "rejected", fix: "Correct the errors listed and send the whole batch again in a new file." },
  W: { meaning: "rejected: the group failed the receiver's assurance (validity) checks", fix: "Correct the errors listed and send the batch again." },
  X: { meaning: "rejected: after decryption the content could not be analysed", fix: "Check the encryption agreed with the receiver and send the batch again." },
};

/** AK905–AK909: why a functional group was not accepted. */
export const groupErrorCodes: CodeList = {
  "1": { meaning: "the receiver does not support this functional group", fix: "Check GS01 (HC for claims) and that the receiver accepts this kind of file from you." },
  "2": { meaning: "the receiver does not support this functional group version", fix: "Send the version in GS08 that the receiver supports (for example 005010X222A1)." },
  "3": { meaning: "the GE trailer is missing", fix: "End every functional group with a GE segment; the file may have been cut off." },
  "4": { meaning: "the group control numbers in GS06 and GE02 differ", fix: "Make GE02 repeat GS06 exactly." },
  "5": { meaning: "the count of transaction sets in GE01 is wrong", fix: "Make GE01 equal the number of ST segments in the group." },
  "6": { meaning: "the group control number in GS06 is not valid", fix: "Send GS06 as 1 to 9 digits." },
  "10": { meaning: "the authentication key name is unknown" },
  "11": { meaning: "the encryption key name is unknown" },
  "12": { meaning: "the requested security service is not available" },
  "13": { meaning: "the security recipient is unknown" },
  "14": { meaning: "the security originator is unknown" },
  "15": { meaning: "there is a syntax error in the decrypted text" },
  "16": { meaning: "security is not supported" },
  "17": { meaning: "the message length is wrong (encryption only)" },
  "18": { meaning: "the message authentication code failed" },
  "19": { meaning: "the group control number in GS06 is used twice in this interchange", fix: "Give each functional group in a file its own GS06." },
  "23": { meaning: "the S3E security end segment is missing for S3S" },
  "24": { meaning: "the S3S security start segment is missing for S3E" },
  "25": { meaning: "the S4E security end segment is missing for S4S" },
  "26": { meaning: "the S4S security start segment is missing for S4E" },
};
