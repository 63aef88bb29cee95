import "server-only";
import type { RawSql } from "@/db/client";

/*
 * What GET /api/metrics reads at scrape time: one grouped statement each, each bounded by an index
 * or a small table, so a scrape costs a few milliseconds however long the history grows.
 * - transfers: the open statuses (transfers_status_idx) and the last 24 hours (transfers_created_idx);
 * - relay_attempt_totals: a few rows per destination, kept by the attempts themselves;
 * - pgboss.job: jobs not yet finished;
 * - response_files: the last 24 hours (response_files_picked_idx); partner_accounts: one row per account.
 * Counts come back as text from bigint sums; the service turns them into numbers.
 * Measured on PostgreSQL with 1,000,000 transfers and attempts and 500,000 response files: each
 * statement well under 3 ms (an OR of status and time in one scan read the whole table: 160 ms).
 */

export const OPEN_TRANSFER_STATUSES = ["uploading", "received", "queued", "sending"] as const;

export interface DestinationNameRow {
  id: string;
  name: string;
}

/** The oldest `limit` destinations: the ones the metrics label by name (the rest share "other"). */
export async function labelledDestinations(raw: RawSql, limit: number): Promise<DestinationNameRow[]> {
  const { rows } = await raw.query<DestinationNameRow>(`SELECT id, name FROM destinations ORDER BY created_at, id LIMIT $1`, [limit]);
  return rows;
}

export interface TransferCountRow {
  destination_id: string;
  status: string;
  /** Transfers in this status now (open statuses only); 0 on the rows of the other half. */
  open: number;
  /** Transfers created in the last 24 hours that are in this status now; 0 on the rows of the other half. */
  last_24h: number;
}

/** Two index-bounded halves (status, creation time) added up in the service: one OR'd scan would read the whole table. */
export async function transferCounts(raw: RawSql): Promise<TransferCountRow[]> {
  const { rows } = await raw.query<TransferCountRow>(
    `SELECT destination_id, status::text AS status, count(*)::int AS open, 0 AS last_24h
       FROM transfers WHERE status = ANY($1::transfer_status[])
      GROUP BY destination_id, status
     UNION ALL
     SELECT destination_id, status::text AS status, 0 AS open, count(*)::int AS last_24h
       FROM transfers WHERE created_at >= now() - interval '24 hours'
      GROUP BY destination_id, status`,
    [OPEN_TRANSFER_STATUSES],
  );
  return rows;
}

export interface UploadsInProgressRow {
  uploads: number;
  announced_bytes: string | number;
  oldest_age_seconds: string | number | null;
}

/** Browser (tus) uploads not finished: their transfer rows wait in "uploading" with the announced length. */
export async function uploadsInProgress(raw: RawSql): Promise<UploadsInProgressRow> {
  const { rows } = await raw.query<UploadsInProgressRow>(
    `SELECT count(*)::int AS uploads, coalesce(sum(size_bytes), 0)::text AS announced_bytes,
            extract(epoch FROM now() - min(created_at))::float8 AS oldest_age_seconds
       FROM transfers WHERE status = 'uploading'`,
  );
  return rows[0] ?? { uploads: 0, announced_bytes: 0, oldest_age_seconds: null };
}

export interface AttemptTotalsRow {
  destination_id: string;
  outcome: string;
  duration_bucket_ms: number;
  attempts: string | number;
  bytes: string | number;
  duration_ms_sum: string | number;
}

export async function attemptTotals(raw: RawSql): Promise<AttemptTotalsRow[]> {
  const { rows } = await raw.query<AttemptTotalsRow>(`SELECT destination_id, outcome, duration_bucket_ms, attempts::text, bytes::text, duration_ms_sum::text FROM relay_attempt_totals`);
  return rows;
}

export interface QueueJobsRow {
  name: string;
  waiting: number;
  retrying: number;
  active: number;
  oldest_age_seconds: number | null;
}

/** Unfinished jobs per pg-boss queue, and how long the oldest waiting one has waited (by the database's clock). */
export async function queueJobs(raw: RawSql): Promise<QueueJobsRow[]> {
  try {
    const { rows } = await raw.query<QueueJobsRow>(
      `SELECT name,
              count(*) FILTER (WHERE state = 'created')::int AS waiting,
              count(*) FILTER (WHERE state = 'retry')::int AS retrying,
              count(*) FILTER (WHERE state = 'active')::int AS active,
              extract(epoch FROM now() - min(created_on) FILTER (WHERE state IN ('created', 'retry')))::float8 AS oldest_age_seconds
         FROM pgboss.job
        WHERE state < 'completed'
        GROUP BY name`,
    );
    return rows;
  } catch {
    // pg-boss has not created its schema yet (no relay runtime has started on this database).
    return [];
  }
}

export interface ResponsePickupRow {
  destination_id: string;
  kind: string;
  files: number;
}

/** Payer files picked up in the last 24 hours, per destination and kind (TA1, 999, 997, 277CA, other, unreadable). */
export async function responsePickupsLast24h(raw: RawSql): Promise<ResponsePickupRow[]> {
  const { rows } = await raw.query<ResponsePickupRow>(
    `SELECT destination_id, kind, count(*)::int AS files
       FROM response_files WHERE picked_up_at >= now() - interval '24 hours'
      GROUP BY destination_id, kind`,
  );
  return rows;
}

export interface ResponsePollRow {
  destination_id: string;
  ok: number;
  failing: number;
  never: number;
  last_success_seconds: number | null;
}

/** The accounts whose response folder is polled, per destination: how their last poll went, and the latest success. */
export async function responsePolls(raw: RawSql): Promise<ResponsePollRow[]> {
  const { rows } = await raw.query<ResponsePollRow>(
    `SELECT a.destination_id,
            count(*) FILTER (WHERE a.responses_polled_at IS NOT NULL AND a.responses_error_code IS NULL)::int AS ok,
            count(*) FILTER (WHERE a.responses_error_code IS NOT NULL)::int AS failing,
            count(*) FILTER (WHERE a.responses_polled_at IS NULL)::int AS never,
            extract(epoch FROM max(a.responses_last_ok_at))::float8 AS last_success_seconds
       FROM partner_accounts a JOIN destinations d ON d.id = a.destination_id
      WHERE d.response_dir IS NOT NULL AND d.disabled_at IS NULL AND a.disabled_at IS NULL
      GROUP BY a.destination_id`,
  );
  return rows;
}
