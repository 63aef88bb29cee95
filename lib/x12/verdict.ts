import type { FunctionalGroupResponse } from "./ack999";
import { isRejection, type ClaimAcknowledgementReport } from "./claim-status-277ca";
import type { ResponseFile } from "./parse-response";
import type { InterchangeAcknowledgement } from "./ta1";

/**
 * The one-word answer a submission's timeline shows for a response file. "partially_accepted"
 * means some of what was sent got through and some did not (so something must be resent);
 * "accepted_with_errors" means everything got through but the receiver noted problems.
 */
export type ResponseVerdict = "accepted" | "accepted_with_errors" | "partially_accepted" | "rejected";

/** Null for files that carry no verdict: unreadable files and payer files we do not read. */
export function responseVerdict(file: ResponseFile): ResponseVerdict | null {
  switch (file.kind) {
    case "TA1":
      return combineVerdicts(file.acknowledgements.map(interchangeVerdict));
    case "999":
    case "997":
      return withEnvelope(file.interchangeAcknowledgements, combineVerdicts(file.groups.map(groupVerdict)));
    case "277CA":
      return withEnvelope(file.interchangeAcknowledgements, combineVerdicts(file.reports.map(claimReportVerdict)));
    default:
      return null;
  }
}

export function interchangeVerdict(acknowledgement: InterchangeAcknowledgement): ResponseVerdict {
  return acknowledgement.acknowledgementCode === "A" ? "accepted" : acknowledgement.acknowledgementCode === "E" ? "accepted_with_errors" : "rejected";
}

export function groupVerdict(group: FunctionalGroupResponse): ResponseVerdict {
  switch (group.status) {
    case "A":
      return "accepted";
    case "E":
      return "accepted_with_errors";
    case "P":
      return "partially_accepted";
    default:
      return "rejected";
  }
}

/** A batch-level rejection (2200B) rejects the file; otherwise the claims decide. */
export function claimReportVerdict(report: ClaimAcknowledgementReport): ResponseVerdict {
  if (report.receiverStatuses.some(isRejection)) return "rejected";
  if (report.claims.length === 0) return report.providers.some((provider) => provider.statuses.some(isRejection)) ? "rejected" : "accepted";
  const rejected = report.claims.filter((claim) => claim.outcome === "rejected").length;
  if (rejected === 0) return "accepted";
  return rejected === report.claims.length ? "rejected" : "partially_accepted";
}

/** Several verdicts in one file: the same everywhere stays; any rejection beside acceptance is partial. */
export function combineVerdicts(verdicts: ResponseVerdict[]): ResponseVerdict | null {
  if (verdicts.length === 0) return null;
  if (verdicts.every((verdict) => verdict === verdicts[0])) return verdicts[0];
  if (verdicts.some((verdict) => verdict === "rejected" || verdict === "partially_accepted")) return "partially_accepted";
  return "accepted_with_errors";
}

/** A TA1 sent beside the content can only make the verdict worse: its envelope verdict comes first. */
function withEnvelope(acknowledgements: InterchangeAcknowledgement[], content: ResponseVerdict | null): ResponseVerdict | null {
  const envelope = combineVerdicts(acknowledgements.map(interchangeVerdict));
  if (envelope === "rejected") return "rejected";
  if (envelope === "accepted_with_errors" && content === "accepted") return "accepted_with_errors";
  return content ?? envelope;
}
