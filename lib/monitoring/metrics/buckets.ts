/*
 * The relay attempt-duration histogram's buckets, shared by the writer (each finished attempt adds
 * to its bucket's row in relay_attempt_totals) and the reader (GET /api/metrics adds the rows up
 * into Prometheus' cumulative buckets). Migration 0015 back-fills with the same bounds: changing
 * them needs a migration that re-buckets the table.
 *
 * From a second (a small claim file on a fast payer) to the attempt timeout's default hour.
 */
export const ATTEMPT_DURATION_BUCKETS_MS = [1000, 5000, 15_000, 60_000, 300_000, 900_000, 3_600_000] as const;

/** Stored for attempts longer than the last bound (Prometheus' +Inf bucket). */
export const LONGER_THAN_LAST_BUCKET = -1;

/** The bucket an attempt of this duration is counted in: the smallest bound at least as long. */
export function durationBucketMs(durationMs: number): number {
  return ATTEMPT_DURATION_BUCKETS_MS.find((bound) => durationMs <= bound) ?? LONGER_THAN_LAST_BUCKET;
}

export type AttemptOutcomeLabel = "delivered" | "transient_error" | "permanent_error";

export function attemptOutcomeLabel(error: { transient: boolean } | undefined): AttemptOutcomeLabel {
  if (!error) return "delivered";
  return error.transient ? "transient_error" : "permanent_error";
}
