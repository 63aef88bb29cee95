import type { CodeList } from "./code-list";

/** IK403 (999) and AK403 (997): what is wrong with one data element. */
export const elementErrorCodes: CodeList = {
  "1": { meaning: "required data element missing", fix: "Fill in this element; it may not be left empty." },
  "2": { meaning: "conditionally required data element missing", fix: "Fill in this element: another element in the segment makes it required." },
  "3": { meaning: "too many data elements", fix: "Remove the extra elements at the end of the segment (often a stray element separator)." },
  "4": { meaning: "data element too short", fix: "Send a value of at least the minimum length for this element." },
  "5": { meaning: "data element too long", fix: "Shorten the value to the element's maximum length." },
  "6": { meaning: "invalid character in data element", fix: "Remove characters outside the X12 character set, and any delimiter characters used as data." },
  "7": { meaning: "invalid code value", fix: "Use one of the codes the implementation guide allows for this element." },
  "8": { meaning: "invalid date", fix: "Send a real calendar date in the format the element expects (CCYYMMDD)." },
  "9": { meaning: "invalid time", fix: "Send a real time in the format the element expects (HHMM)." },
  "10": { meaning: "exclusion condition violated: this element may not be sent together with another one", fix: "Send only one of the mutually exclusive elements." },
  "12": { meaning: "too many repetitions", fix: "Send no more repetitions of the element than it allows." },
  "13": { meaning: "too many components", fix: "Remove the extra components of this composite element (often a stray component separator)." },
  I6: { meaning: "code value not used in this implementation", fix: "The code is valid X12 but the HIPAA guide does not allow it here: pick one of the guide's codes." },
  I9: { meaning: "data element required in this situation is missing", fix: "Fill in the element: a situational rule in the guide requires it for this claim." },
  I10: { meaning: "data element that the implementation guide does not use was sent", fix: "Leave this element empty." },
  I11: { meaning: "too few repetitions for this implementation", fix: "Send as many repetitions as the guide requires." },
  I12: { meaning: "value does not match the required pattern", fix: "Correct the value's format (for example an NPI of 10 digits with a valid check digit, or a ZIP code of 5 or 9 digits)." },
  I13: { meaning: "data element that must not be sent in this situation was sent", fix: "Leave this element empty: a situational rule forbids it for this claim." },
};

/** The element codes that mean "nothing was there", so a sentence can say the element is empty. */
export const MISSING_ELEMENT_CODES: ReadonlySet<string> = new Set(["1", "2", "I9", "I11"]);
