import "server-only";
import type { RawSql } from "@/db/client";

/*
 * The operator's counts, in plain SQL over several tables (and pg-boss's job table): one
 * aggregate statement each, so the operations page stays cheap however large the history grows.
 */

export interface QueueCountRow {
  name: string;
  waiting: number;
  retrying: number;
  active: number;
  oldest: Date | string | null;
}

/** Jobs not yet finished, per queue; none when pg-boss has not created its schema yet. */
export async function jobCountsByQueue(raw: RawSql, queues: string[]): Promise<QueueCountRow[]> {
  try {
    const { rows } = await raw.query<QueueCountRow>(
      `SELECT name,
              count(*) FILTER (WHERE state = 'created')::int AS waiting,
              count(*) FILTER (WHERE state = 'retry')::int AS retrying,
              count(*) FILTER (WHERE state = 'active')::int AS active,
              min(created_on) FILTER (WHERE state IN ('created', 'retry')) AS oldest
         FROM pgboss.job
        WHERE name = ANY($1::text[]) AND state < 'completed'
        GROUP BY name`,
      [queues],
    );
    return rows;
  } catch {
    // pg-boss has not created its schema yet (no relay runtime has started on this database).
    return [];
  }
}

export interface DestinationRow {
  id: string;
  name: string;
  protocol: string;
  disabled: boolean;
  attempts_24h: number;
  ok_24h: number;
  attempts_7d: number;
  ok_7d: number;
}

export interface LastErrorRow {
  destination_id: string;
  error_code: string;
  error_message: string | null;
  finished_at: Date | string;
}

/** Attempts per destination over 24 hours and 7 days, leaving out attempts our own restarts interrupted. */
export async function destinationAttemptCounts(raw: RawSql, now: Date, interruptedMessage: string): Promise<DestinationRow[]> {
  const { rows } = await raw.query<DestinationRow>(
    `SELECT d.id, d.name, d.protocol::text AS protocol, (d.disabled_at IS NOT NULL) AS disabled,
            count(a.id) FILTER (WHERE a.finished_at >= $1::timestamptz - interval '24 hours')::int AS attempts_24h,
            count(a.id) FILTER (WHERE a.finished_at >= $1::timestamptz - interval '24 hours' AND a.error_code IS NULL)::int AS ok_24h,
            count(a.id)::int AS attempts_7d,
            count(a.id) FILTER (WHERE a.error_code IS NULL)::int AS ok_7d
       FROM destinations d
       LEFT JOIN transfers t ON t.destination_id = d.id AND t.created_at >= $1::timestamptz - interval '15 days'
       LEFT JOIN transfer_attempts a ON a.transfer_id = t.id AND a.finished_at >= $1::timestamptz - interval '7 days'
                                    AND a.finished_at IS NOT NULL AND a.error_message IS DISTINCT FROM $2
      GROUP BY d.id, d.name, d.protocol, d.disabled_at
      ORDER BY d.name`,
    [now.toISOString(), interruptedMessage],
  );
  return rows;
}

/** Each destination's latest failed attempt within 7 days. */
export async function lastDestinationErrors(raw: RawSql, now: Date, interruptedMessage: string): Promise<LastErrorRow[]> {
  const { rows } = await raw.query<LastErrorRow>(
    `SELECT DISTINCT ON (t.destination_id) t.destination_id, a.error_code, a.error_message, a.finished_at
       FROM transfer_attempts a JOIN transfers t ON t.id = a.transfer_id
      WHERE a.error_code IS NOT NULL AND a.finished_at >= $1::timestamptz - interval '7 days'
        AND t.created_at >= $1::timestamptz - interval '15 days' AND a.error_message IS DISTINCT FROM $2
      ORDER BY t.destination_id, a.finished_at DESC`,
    [now.toISOString(), interruptedMessage],
  );
  return rows;
}

export interface FailureRunRow {
  destination_id: string;
  destination_name: string;
  failing_since: Date | string;
  last_failure: Date | string;
  failures: number;
  organisations: number;
  last_error_code: string;
}

/**
 * Per enabled destination, the run of "no answer" failures since the server last answered anyone
 * in the past 24 hours (attempts that never tried to connect, and interrupted ones, left out).
 */
export async function connectionFailureRuns(
  raw: RawSql,
  options: { now: Date; interruptedMessage: string; destinationIds: string[] | null; noAnswerCodes: string[]; neverConnectedCodes: string[] },
): Promise<FailureRunRow[]> {
  const { rows } = await raw.query<FailureRunRow>(
    `WITH recent AS (
       SELECT t.destination_id, t.organisation_id, a.finished_at, a.error_code,
              (a.error_code = ANY($4::text[])) AS no_answer
         FROM transfer_attempts a JOIN transfers t ON t.id = a.transfer_id
        WHERE a.finished_at >= $1::timestamptz - interval '24 hours' AND a.finished_at IS NOT NULL
          AND t.created_at >= $1::timestamptz - interval '15 days'
          AND a.error_message IS DISTINCT FROM $2
          AND (a.error_code IS NULL OR NOT (a.error_code = ANY($5::text[])))
          AND ($3::uuid[] IS NULL OR t.destination_id = ANY($3::uuid[]))
     ),
     last_answer AS (
       SELECT destination_id, max(finished_at) AS at FROM recent WHERE NOT coalesce(no_answer, false) GROUP BY destination_id
     )
     SELECT r.destination_id, d.name AS destination_name,
            min(r.finished_at) AS failing_since, max(r.finished_at) AS last_failure,
            count(*)::int AS failures, count(DISTINCT r.organisation_id)::int AS organisations,
            (array_agg(r.error_code ORDER BY r.finished_at DESC))[1] AS last_error_code
       FROM recent r
       JOIN destinations d ON d.id = r.destination_id AND d.disabled_at IS NULL
       LEFT JOIN last_answer s ON s.destination_id = r.destination_id
      WHERE r.no_answer AND (s.at IS NULL OR r.finished_at > s.at)
      GROUP BY r.destination_id, d.name`,
    [options.now.toISOString(), options.interruptedMessage, options.destinationIds, options.noAnswerCodes, options.neverConnectedCodes],
  );
  return rows;
}

export async function enabledDestinationIdsOfOrganisation(raw: RawSql, organisationId: string): Promise<string[]> {
  const { rows } = await raw.query<{ destination_id: string }>(`SELECT destination_id FROM partner_accounts WHERE organisation_id = $1 AND disabled_at IS NULL`, [organisationId]);
  return rows.map((row) => row.destination_id);
}

export async function transferBacklog(raw: RawSql): Promise<{ sending: number; waiting: number; oldest: Date | string | null } | undefined> {
  const { rows } = await raw.query<{ sending: number; waiting: number; oldest: Date | string | null }>(
    `SELECT count(*) FILTER (WHERE status = 'sending')::int AS sending,
            count(*) FILTER (WHERE status IN ('received', 'queued'))::int AS waiting,
            min(created_at) FILTER (WHERE status IN ('received', 'queued')) AS oldest
       FROM transfers WHERE status IN ('sending', 'received', 'queued')`,
  );
  return rows[0];
}

export async function mailBacklog(raw: RawSql): Promise<{ failed: number; waiting: number } | undefined> {
  const { rows } = await raw.query<{ failed: number; waiting: number }>(
    `SELECT count(*) FILTER (WHERE status = 'failed' AND next_attempt_at IS NULL)::int AS failed,
            count(*) FILTER (WHERE next_attempt_at IS NOT NULL AND status IN ('failed', 'queued'))::int AS waiting
       FROM mail_messages WHERE status IN ('failed', 'queued')`,
  );
  return rows[0];
}

export async function webhookBacklog(raw: RawSql, now: Date): Promise<{ pending: number; failed: number } | undefined> {
  const { rows } = await raw.query<{ pending: number; failed: number }>(
    `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
            count(*) FILTER (WHERE status = 'failed' AND created_at >= $1::timestamptz - interval '24 hours')::int AS failed
       FROM webhook_deliveries WHERE status IN ('pending', 'failed')`,
    [now.toISOString()],
  );
  return rows[0];
}
