import "server-only";
import type { RawSql } from "@/db/client";

/*
 * Reads and one guarded write on pg-boss 10's own job table (schema "pgboss", pinned major
 * version). pg-boss 10 has no heartbeat: the active job of a worker that died stays "active" until
 * its expireInSeconds passes, which must be long enough for a slow upload. The transfer lease
 * (transfers.updated_at, refreshed while sending) tells sooner that nobody is working on it.
 */

export const BOSS_SCHEMA = "pgboss";

/** A job for this transfer that is waiting, retrying or running. */
export async function hasPendingJob(sql: RawSql, queue: string, transferId: string): Promise<boolean> {
  const { rows } = await sql.query(
    `SELECT 1 FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND singleton_key = $2 AND state < 'completed' LIMIT 1`,
    [queue, transferId],
  );
  return rows.length > 0;
}

/**
 * Active jobs nobody works on any more go back to "retry", runnable at once: started longer than a
 * lease ago, and their transfer is not being sent under a live lease. Re-checked in one statement,
 * so two workers sweeping at once, or a job fetched again meanwhile, cannot be released twice.
 */
export async function releaseOrphanedJobs(sql: RawSql, queue: string, leaseSeconds: number): Promise<string[]> {
  const { rows } = await sql.query<{ id: string }>(
    `UPDATE ${BOSS_SCHEMA}.job j SET state = 'retry', start_after = now()
       FROM transfers t
      WHERE j.name = $1 AND j.state = 'active' AND j.singleton_key = t.id::text
        AND j.started_on < now() - $2::int * interval '1 second'
        AND (t.status <> 'sending' OR t.updated_at < now() - $2::int * interval '1 second')
        AND NOT EXISTS (SELECT 1 FROM ${BOSS_SCHEMA}.job r WHERE r.name = j.name AND r.singleton_key = j.singleton_key AND r.state = 'retry')
      RETURNING j.singleton_key AS id`,
    [queue, leaseSeconds],
  );
  return rows.map((row) => row.id);
}

/** Transfers waiting for the relay with no job behind them (a crash between the two writes, or older data). */
export async function transfersWithoutJob(sql: RawSql, queue: string, leaseSeconds: number): Promise<string[]> {
  const { rows } = await sql.query<{ id: string }>(
    `SELECT t.id FROM transfers t
      WHERE t.delivered_at IS NULL AND t.updated_at < now() - $2::int * interval '1 second'
        AND (t.status = 'queued' OR t.status = 'sending')
        AND NOT EXISTS (SELECT 1 FROM ${BOSS_SCHEMA}.job j WHERE j.name = $1 AND j.singleton_key = t.id::text AND j.state < 'completed')
      LIMIT 100`,
    [queue, leaseSeconds],
  );
  return rows.map((row) => row.id);
}
