import type { PayerResponseStatus } from "@/db/schema";
import { PAYER_RESPONSE_LABELS } from "@/lib/responses/status";

/** Green for a clean acceptance, amber for acceptance with reservations, red for refusals, grey while waiting. */
const responseStyle: Readonly<Record<PayerResponseStatus, string>> = {
  accepted: "bg-green-100 text-green-900",
  accepted_with_errors: "bg-amber-100 text-amber-900",
  partially_accepted: "bg-amber-100 text-amber-900",
  rejected: "bg-red-100 text-red-900",
  awaiting: "bg-slate-100 text-slate-800",
  no_response: "bg-rose-50 text-rose-900 ring-1 ring-inset ring-rose-300",
};

/**
 * What the payer said about a file (or what one payer file says), as a badge. `null` means the
 * destination's answers are not collected: a muted note, not a status.
 */
export function PayerResponseBadge({ status, large }: { status: PayerResponseStatus | null; large?: boolean }) {
  if (status === null) return <span className="text-xs text-slate-500">not collected</span>;
  const size = large ? "px-3 py-1 text-sm" : "px-2 py-0.5 text-xs";
  return <span className={`inline-block whitespace-nowrap rounded font-medium ${size} ${responseStyle[status]}`}>{PAYER_RESPONSE_LABELS[status]}</span>;
}
