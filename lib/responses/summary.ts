import type { ResponseFile } from "@/lib/x12/parse-response";

/** Claims kept per 277CA report beyond the rejected ones: the file itself holds them all. */
const ACCEPTED_CLAIMS_KEPT = 100;

/**
 * The parsed file as stored for the pages. A 277CA for a large batch lists thousands of claims:
 * every rejected claim is kept, accepted ones up to a limit, and the totals say how many there were.
 */
export function storedSummary(file: ResponseFile): Record<string, unknown> {
  if (file.kind !== "277CA") return file as unknown as Record<string, unknown>;
  const reports = file.reports.map((report) => {
    const rejected = report.claims.filter((claim) => claim.outcome === "rejected");
    const accepted = report.claims.filter((claim) => claim.outcome !== "rejected");
    const kept = [...rejected, ...accepted.slice(0, ACCEPTED_CLAIMS_KEPT)];
    return { ...report, claims: kept, claimsOmitted: report.claims.length - kept.length };
  });
  return { ...file, reports } as unknown as Record<string, unknown>;
}
