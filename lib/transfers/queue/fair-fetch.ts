import "server-only";
import type { Pool } from "pg";
import { BOSS_SCHEMA } from "@/lib/transfers/queue/job-rows";

/*
 * Which relay job runs next. pg-boss's own fetch takes the oldest job, so eight files queued to a
 * payer throttled to 32 KiB/s took every relay slot and a small file to another payer waited two
 * minutes. This fetch, on pg-boss 10's job table (pinned major version, like relay-job-rows.ts):
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

export interface FetchedRelayJob {
  id: string;
  data: unknown;
  retryCount: number;
  retryLimit: number;
}

const FETCH_LOCK = "edi-portal.relay-fetch";

const FETCH_SQL = `
WITH active AS (
  SELECT t.destination_id, t.organisation_id
    FROM ${BOSS_SCHEMA}.job a JOIN transfers t ON t.id = a.singleton_key::uuid
   WHERE a.name = $1 AND a.state = 'active'
), destination_load AS (
  SELECT destination_id, count(*) AS running FROM active GROUP BY destination_id
), organisation_load AS (
  SELECT organisation_id, count(*) AS running FROM active GROUP BY organisation_id
), organisation_last AS (
  SELECT t.organisation_id, max(r.started_on) AS last_started
    FROM ${BOSS_SCHEMA}.job r JOIN transfers t ON t.id = r.singleton_key::uuid
   WHERE r.name = $1 AND r.started_on > now() - interval '1 day'
   GROUP BY t.organisation_id
), chosen AS (
  SELECT j.id
    FROM ${BOSS_SCHEMA}.job j
    JOIN transfers t ON t.id = j.singleton_key::uuid
    JOIN destinations d ON d.id = t.destination_id
    LEFT JOIN destination_load dl ON dl.destination_id = t.destination_id
    LEFT JOIN organisation_load ol ON ol.organisation_id = t.organisation_id
    LEFT JOIN organisation_last ll ON ll.organisation_id = t.organisation_id
   WHERE j.name = $1 AND j.state < 'active' AND j.start_after < now()
     AND coalesce(dl.running, 0) < d.relay_concurrency
     AND NOT EXISTS (SELECT 1 FROM ${BOSS_SCHEMA}.job b WHERE b.name = $1 AND b.state = 'active' AND b.singleton_key = j.singleton_key)
   ORDER BY coalesce(ol.running, 0), ll.last_started NULLS FIRST, j.start_after, j.id
   LIMIT 1
   FOR UPDATE OF j SKIP LOCKED
)
UPDATE ${BOSS_SCHEMA}.job j SET
  state = 'active',
  started_on = now(),
  retry_count = CASE WHEN j.started_on IS NOT NULL THEN j.retry_count + 1 ELSE j.retry_count END
  FROM chosen
 WHERE j.name = $1 AND j.id = chosen.id
RETURNING j.id, j.data, j.retry_count, j.retry_limit`;

/** Takes the next relay job fairly (see above), or undefined when none may start now. */
export async function fetchNextRelayJob(pool: Pool, queue: string): Promise<FetchedRelayJob | undefined> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [FETCH_LOCK]);
    const { rows } = await client.query<{ id: string; data: unknown; retry_count: number; retry_limit: number }>(FETCH_SQL, [queue]);
    await client.query("COMMIT");
    const row = rows[0];
    return row ? { id: row.id, data: row.data, retryCount: Number(row.retry_count), retryLimit: Number(row.retry_limit) } : undefined;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    // A connection whose ROLLBACK failed is discarded rather than handed to the next caller.
    client.release(broken);
  }
}
