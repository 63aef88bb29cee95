import type { CodeList } from "./code-list";

/**
 * IK304 (999) and AK304 (997): what is wrong with a segment as a whole. Codes 1–8 are X12 syntax;
 * the I-codes come from the HIPAA implementation guide's rules for the transaction.
 */
export const segmentErrorCodes: CodeList = {
  "1": { meaning: "the segment ID is not a known X12 segment", fix: "Look for a typo in the segment name or a stray delimiter that split one segment into two." },
  "2": { meaning: "the segment is not expected at this point of the transaction", fix: "Check the loop the segment belongs to: it is usually in the wrong loop, or a segment that opens its loop is missing before it." },
  "3": { meaning: "a required segment is missing", fix: "Add the segment the implementation guide requires here; the position is where the receiver expected it." },
  "4": { meaning: "a loop repeats more often than allowed", fix: "Split the data across more claims or transaction sets so the loop stays within its maximum." },
  "5": { meaning: "the segment repeats more often than allowed", fix: "Send the segment no more often than the guide allows in this loop; move extra values to a later claim or drop duplicates." },
  "6": { meaning: "the segment does not belong to this transaction set", fix: "Remove the segment; it is not part of this transaction (it may come from another transaction type)." },
  "7": { meaning: "the segment is out of order", fix: "Move the segment to its place in the loop's order as the implementation guide lists it." },
  "8": { meaning: "the segment has errors in its data elements", fix: "Correct the data elements listed with this segment." },
  I4: { meaning: "the implementation guide says this segment is not used, but it was sent", fix: "Stop sending this segment in this transaction." },
  I6: { meaning: "a segment the implementation guide requires in this situation is missing", fix: "Add the segment: a situational rule in the guide makes it required for this claim's content." },
  I7: { meaning: "a loop occurs fewer times than the implementation guide requires", fix: "Add the missing repetitions of the loop (for example a required provider or subscriber loop)." },
  I8: { meaning: "the segment occurs fewer times than the implementation guide requires", fix: "Send the segment as often as the guide requires in this loop." },
  I9: { meaning: "the implementation guide says this segment must not be sent in this situation, but it was", fix: "Remove the segment: a situational rule forbids it for this claim's content (for example a pay-to loop that repeats the billing provider)." },
};
