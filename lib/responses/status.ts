import type { PayerResponseStatus } from "@/db/schema";
import type { ResponseVerdict } from "@/lib/x12/verdict";
import type { ResponseStage } from "@/lib/responses/linking";

/** Worst first: a rejection anywhere outweighs acceptance elsewhere. */
const SEVERITY: Readonly<Record<ResponseVerdict, number>> = { rejected: 4, partially_accepted: 3, accepted_with_errors: 2, accepted: 1 };

/**
 * A submission's "Payer response" from everything linked to it so far. The worst verdict wins, so
 * the order in which answers arrive does not matter. A TA1 that accepts the envelope says nothing
 * yet about the contents: the file is still awaited until a 999/997 or 277CA answers (or the TA1 rejects).
 */
export function responseStatusFrom(links: Array<{ stage: ResponseStage; verdict: ResponseVerdict }>): PayerResponseStatus {
  const telling = links.filter((link) => link.stage !== "TA1" || link.verdict === "rejected");
  if (telling.length === 0) return "awaiting";
  return telling.reduce((worst, link) => (SEVERITY[link.verdict] > SEVERITY[worst] ? link.verdict : worst), telling[0].verdict);
}

type Outcome = "positive" | "negative" | null;

function outcomeOf(status: PayerResponseStatus | null): Outcome {
  if (status === "accepted" || status === "accepted_with_errors") return "positive";
  if (status === "rejected" || status === "partially_accepted") return "negative";
  return null;
}

/**
 * The event a change of payer response is worth: `transfer.accepted` when the payer first accepts,
 * `transfer.rejected` when anything (the file, a transaction set, a claim) is first rejected. Moving
 * within the same side (accepted → accepted with errors) tells no one anything new.
 */
export function responseEventFor(previous: PayerResponseStatus | null, next: PayerResponseStatus): "transfer.accepted" | "transfer.rejected" | null {
  const before = outcomeOf(previous);
  const after = outcomeOf(next);
  if (after === null || after === before) return null;
  return after === "positive" ? "transfer.accepted" : "transfer.rejected";
}

export const PAYER_RESPONSE_LABELS: Readonly<Record<PayerResponseStatus, string>> = {
  awaiting: "Awaiting",
  accepted: "Accepted",
  accepted_with_errors: "Accepted with errors",
  partially_accepted: "Partially accepted",
  rejected: "Rejected",
  no_response: "No response",
};

export const PAYER_RESPONSE_STATUSES = Object.keys(PAYER_RESPONSE_LABELS) as PayerResponseStatus[];
