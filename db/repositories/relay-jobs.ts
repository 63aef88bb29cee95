import "server-only";
import { sql, type SQL } from "drizzle-orm";
import type { Executor } from "@/db/executor";

/*
 * pg-boss 10's own job table (schema "pgboss", pinned major version), read and written beside the
 * transfers it carries: a relay job's singleton key is its transfer's id. pg-boss 10 has no
 * heartbeat: the active job of a worker that died stays "active" until its expireInSeconds passes,
 * which must be long enough for a slow upload. The transfer lease (transfers.updated_at, refreshed
 * while sending) tells sooner that nobody is working on it. Every value is a bound parameter.
 */

export const BOSS_SCHEMA = "pgboss";

const job = sql`${sql.identifier(BOSS_SCHEMA)}.job`;

async function rowsOf<T>(db: Executor, query: SQL): Promise<T[]> {
  const result = await db.execute(query);
  return (result as unknown as { rows: T[] }).rows;
}

/** A job for this transfer that is waiting, retrying or running. */
export async function hasPendingRelayJob(db: Executor, queue: string, transferId: string): Promise<boolean> {
  const rows = await rowsOf(db, sql`SELECT 1 FROM ${job} WHERE name = ${queue} AND singleton_key = ${transferId} AND state < 'completed' LIMIT 1`);
  return rows.length > 0;
}

/**
 * Active jobs nobody works on any more go back to "retry", runnable at once: started longer than a
 * lease ago, and their transfer is not being sent under a live lease. Re-checked in one statement,
 * so two workers sweeping at once, or a job fetched again meanwhile, cannot be released twice.
 * Returns the transfer ids.
 */
export async function releaseOrphanedRelayJobs(db: Executor, queue: string, leaseSeconds: number): Promise<string[]> {
  const lease = sql`${leaseSeconds}::int * interval '1 second'`;
  const rows = await rowsOf<{ id: string }>(
    db,
    sql`UPDATE ${job} j SET state = 'retry', start_after = now()
          FROM transfers t
         WHERE j.name = ${queue} AND j.state = 'active' AND j.singleton_key = t.id::text
           AND j.started_on < now() - ${lease}
           AND (t.status <> 'sending' OR t.updated_at < now() - ${lease})
           AND NOT EXISTS (SELECT 1 FROM ${job} r WHERE r.name = j.name AND r.singleton_key = j.singleton_key AND r.state = 'retry')
         RETURNING j.singleton_key AS id`,
  );
  return rows.map((row) => row.id);
}

/** Transfers waiting for the relay with no job behind them (older data, or a job lost some other way); at most 100. */
export async function transfersWithoutRelayJob(db: Executor, queue: string, leaseSeconds: number): Promise<string[]> {
  const rows = await rowsOf<{ id: string }>(
    db,
    sql`SELECT t.id FROM transfers t
         WHERE t.delivered_at IS NULL AND t.updated_at < now() - ${leaseSeconds}::int * interval '1 second'
           AND (t.status = 'queued' OR t.status = 'sending')
           AND NOT EXISTS (SELECT 1 FROM ${job} j WHERE j.name = ${queue} AND j.singleton_key = t.id::text AND j.state < 'completed')
         LIMIT 100`,
  );
  return rows.map((row) => row.id);
}

export interface TakenRelayJob {
  id: string;
  data: unknown;
  retryCount: number;
  retryLimit: number;
}

const FETCH_LOCK = "edi-portal.relay-fetch";

/*
 * Which relay job runs next (the fair fetch). pg-boss's own fetch takes the oldest job, so eight
 * files queued to a payer throttled to 32 KiB/s took every relay slot and a small file to another
 * payer waited two minutes. This one:
 *
 * - skips a job whose destination already runs `destinations.relay_concurrency` relays (default 2),
 *   counted across every worker process, so a slow or failing payer delays only its own files;
 * - among the rest, serves the organisation with the fewest relays running, then the one served
 *   longest ago (round-robin), then the job that has been ready longest — `start_after`, so a retry
 *   waits behind its destination's files that were already in line;
 * - never starts a second job for a transfer that has one running (pg-boss's "stately" policy).
 *
 * Fetchers in every process take turns under a transaction-level advisory lock: the slot counts
 * read inside it are exact, so two workers cannot both take a destination's last slot.
 */
function fetchStatement(queue: string): SQL {
  return sql`
WITH active AS (
  SELECT t.destination_id, t.organisation_id
    FROM ${job} a JOIN transfers t ON t.id = a.singleton_key::uuid
   WHERE a.name = ${queue} AND a.state = 'active'
), destination_load AS (
  SELECT destination_id, count(*) AS running FROM active GROUP BY destination_id
), organisation_load AS (
  SELECT organisation_id, count(*) AS running FROM active GROUP BY organisation_id
), organisation_last AS (
  SELECT t.organisation_id, max(r.started_on) AS last_started
    FROM ${job} r JOIN transfers t ON t.id = r.singleton_key::uuid
   WHERE r.name = ${queue} AND r.started_on > now() - interval '1 day'
   GROUP BY t.organisation_id
), chosen AS (
  SELECT j.id
    FROM ${job} j
    JOIN transfers t ON t.id = j.singleton_key::uuid
    JOIN destinations d ON d.id = t.destination_id
    LEFT JOIN destination_load dl ON dl.destination_id = t.destination_id
    LEFT JOIN organisation_load ol ON ol.organisation_id = t.organisation_id
    LEFT JOIN organisation_last ll ON ll.organisation_id = t.organisation_id
   WHERE j.name = ${queue} AND j.state < 'active' AND j.start_after < now()
     AND coalesce(dl.running, 0) < d.relay_concurrency
     AND NOT EXISTS (SELECT 1 FROM ${job} b WHERE b.name = ${queue} AND b.state = 'active' AND b.singleton_key = j.singleton_key)
   ORDER BY coalesce(ol.running, 0), ll.last_started NULLS FIRST, j.start_after, j.id
   LIMIT 1
   FOR UPDATE OF j SKIP LOCKED
)
UPDATE ${job} j SET
  state = 'active',
  started_on = now(),
  retry_count = CASE WHEN j.started_on IS NOT NULL THEN j.retry_count + 1 ELSE j.retry_count END
  FROM chosen
 WHERE j.name = ${queue} AND j.id = chosen.id
RETURNING j.id, j.data, j.retry_count, j.retry_limit`;
}

/**
 * Takes the next relay job fairly (see above) and marks it active, or returns undefined when none
 * may start now. Must run inside a transaction: the advisory lock lasts until it ends.
 */
export async function takeNextRelayJob(db: Executor, queue: string): Promise<TakenRelayJob | undefined> {
  await db.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${FETCH_LOCK}))`);
  const [row] = await rowsOf<{ id: string; data: unknown; retry_count: number; retry_limit: number }>(db, fetchStatement(queue));
  return row ? { id: row.id, data: row.data, retryCount: Number(row.retry_count), retryLimit: Number(row.retry_limit) } : undefined;
}
