import { batchFindings, claimFindings, groupFindings, interchangeFindings, type ResponseFinding } from "@/lib/responses/findings";
import type { ClaimAck277Response, FunctionalAckResponse, ResponseFile, Ta1Response } from "@/lib/x12/parse-response";

/**
 * Everything a payer file says, finding by finding, read from its stored summary (the parsed file,
 * lib/responses/summary.ts): the same sentences the transfers' timelines show, but for the whole
 * file, so a file that matched no transfer still explains itself. A 277CA's summary keeps every
 * rejected claim, so no rejection is lost to trimming.
 */
export function findingsOfFile(summary: Record<string, unknown>): ResponseFinding[] {
  const file = summary as unknown as ResponseFile;
  switch (file.kind) {
    case "TA1":
      return ((file as Ta1Response).acknowledgements ?? []).flatMap(interchangeFindings);
    case "999":
    case "997": {
      const functional = file as FunctionalAckResponse;
      return [...(functional.interchangeAcknowledgements ?? []).flatMap(interchangeFindings), ...(functional.groups ?? []).flatMap((group) => groupFindings(group))];
    }
    case "277CA": {
      const claims = file as ClaimAck277Response;
      return [
        ...(claims.interchangeAcknowledgements ?? []).flatMap(interchangeFindings),
        ...(claims.reports ?? []).flatMap((report) => [...batchFindings(report.receiverStatuses ?? []), ...(report.claims ?? []).flatMap(claimFindings)]),
      ];
    }
    default:
      return [];
  }
}

/** The ST01s of a file the portal keeps without reading (an 835, a 277 status answer). */
export function transactionSetsOfFile(summary: Record<string, unknown>): string[] {
  const sets = (summary as { transactionSets?: unknown }).transactionSets;
  return Array.isArray(sets) ? sets.filter((set): set is string => typeof set === "string") : [];
}

/** Claim totals of a 277CA as the payer counted them (the stored summary may list fewer). */
export function claimTotalsOfFile(summary: Record<string, unknown>): { claims: number; accepted: number; rejected: number } | undefined {
  if (summary.kind !== "277CA") return undefined;
  const totals = (summary as unknown as ClaimAck277Response).summary;
  return totals && typeof totals.claims === "number" ? totals : undefined;
}
