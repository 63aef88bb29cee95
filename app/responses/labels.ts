import type { ResponseFileRow } from "@/db/schema";

/** What each kind of payer file is, in words a biller knows. */
export const RESPONSE_KIND_LABELS: Readonly<Record<ResponseFileRow["kind"], string>> = {
  TA1: "TA1 interchange acknowledgement",
  "999": "999 implementation acknowledgement",
  "997": "997 functional acknowledgement",
  "277CA": "277CA claim acknowledgement",
  other: "Other X12 (not an acknowledgement)",
  unreadable: "Unreadable",
};

/** Transaction sets payers put in their outbound folders besides acknowledgements (ST01 → name). */
const TRANSACTION_SET_NAMES: Readonly<Record<string, string>> = {
  "835": "835 remittance advice",
  "277": "277 claim status response",
  "271": "271 eligibility response",
  "278": "278 prior authorisation response",
  "820": "820 premium payment",
  "834": "834 enrolment",
  "837": "837 claim",
  "999": "999 implementation acknowledgement",
  "997": "997 functional acknowledgement",
};

export function transactionSetName(id: string): string {
  return TRANSACTION_SET_NAMES[id] ?? `${id} transaction set`;
}
