import "server-only";
import { sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";

/*
 * relay_attempt_totals: one row per destination, outcome and duration bucket, added to in the
 * transaction that records each attempt. An upsert of one small row: concurrent attempts on the
 * same row wait only for each other's commit.
 */

export interface AttemptTotalsIncrement {
  transferId: string;
  outcome: "delivered" | "transient_error" | "permanent_error";
  durationBucketMs: number;
  durationMs: number;
  bytes: number;
}

/** Adds one finished attempt to its destination's row (the destination read from the transfer). */
export async function addToAttemptTotals(db: Executor, increment: AttemptTotalsIncrement): Promise<void> {
  await db.execute(sql`
    INSERT INTO relay_attempt_totals (destination_id, outcome, duration_bucket_ms, attempts, bytes, duration_ms_sum)
    SELECT destination_id, ${increment.outcome}, ${increment.durationBucketMs}, 1, ${increment.bytes}, ${increment.durationMs}
      FROM transfers WHERE id = ${increment.transferId}
    ON CONFLICT (destination_id, outcome, duration_bucket_ms) DO UPDATE
       SET attempts = relay_attempt_totals.attempts + 1,
           bytes = relay_attempt_totals.bytes + excluded.bytes,
           duration_ms_sum = relay_attempt_totals.duration_ms_sum + excluded.duration_ms_sum`);
}
