import "server-only";
import { getDatabaseHandle } from "@/db/client";
import { INTERRUPTED_MESSAGE } from "@/lib/transfers/queue/claims";
import { eventLoopDelaySnapshot, type EventLoopDelaySnapshot } from "@/lib/monitoring/event-loop-delay";
import { databaseAvailability, type DatabaseAvailability } from "@/lib/health/database-status";
import { measureStagingSpace, type StagingSpace } from "@/lib/transfers/staging/space";
import { requireRole, type Actor } from "@/lib/auth/actor";

/*
 * The operator's numbers: queue depth and age from pg-boss's job table, relays in flight from the
 * transfers, and per-destination success rates from the recorded attempts. Attempts are looked up
 * through transfers created in the last 15 days: staging retention (14 days by default) removes the
 * bytes of anything older, so no attempt of an older transfer can fall into the 7-day window.
 */

/** Errors that mean "the server did not answer", not "the server said no". */
export const CONNECTION_ERROR_CODES = ["DNS_FAILED", "TCP_TIMEOUT", "TCP_REFUSED"] as const;
/** Failures older than this say nothing about now: no banner on stale evidence. */
const OUTAGE_FRESHNESS_MINUTES = 30;
/** At least this many failed attempts since the last success before a destination is called down. */
const OUTAGE_MIN_FAILURES = 2;

export interface QueueStats {
  queue: string;
  waiting: number;
  /** Failed once, waiting for their next try (backoff). */
  retrying: number;
  active: number;
  oldestWaitingAt: Date | null;
}

export interface DestinationWindowStats {
  attempts: number;
  succeeded: number;
  /** Share of finished attempts that delivered, 0..1; null without attempts. */
  successRate: number | null;
  lastError: { code: string; message: string | null; at: Date } | null;
}

export interface DestinationStats {
  id: string;
  name: string;
  protocol: string;
  disabled: boolean;
  last24h: DestinationWindowStats;
  last7d: DestinationWindowStats;
  outage: DestinationOutage | null;
}

export interface DestinationOutage {
  destinationId: string;
  destinationName: string;
  /** The first failed attempt after the last success. */
  failingSince: Date;
  lastFailureAt: Date;
  failures: number;
  /** How many organisations' transfers failed in that time. */
  organisations: number;
  lastErrorCode: string;
}

export interface OperationsSnapshot {
  generatedAt: Date;
  queues: QueueStats[];
  relaysInFlight: number;
  transfersWaiting: number;
  oldestWaitingTransferAt: Date | null;
  mail: { failed: number; waitingForRetry: number };
  webhooks: { pending: number; failedLast24h: number };
  destinations: DestinationStats[];
  outages: DestinationOutage[];
  /** This portal process's event-loop delay (not the database's, not other instances'). */
  eventLoop: EventLoopDelaySnapshot;
  /**
   * This process's database: its engine, and for the embedded one how often its process was
   * restarted and why it last stopped. (While it restarts, this snapshot cannot be read at all.)
   */
  database: DatabaseAvailability & { engine: "pglite" | "postgres" };
  /** Free and total space of the staging volume, and the reserve uploads must leave free. */
  staging: StagingSpace;
  /** "degraded" while the staging volume is below its reserve (or cannot be measured): uploads are being refused. */
  status: "ok" | "degraded";
}

const QUEUES = ["relay", "notify-dispatch", "webhook-delivery", "mail-retry", "staging-retention", "daily-summary"];

async function queueStats(): Promise<QueueStats[]> {
  const { raw } = await getDatabaseHandle();
  let rows: Array<{ name: string; waiting: number; retrying: number; active: number; oldest: Date | string | null }>;
  try {
    ({ rows } = await raw.query(
      `SELECT name,
              count(*) FILTER (WHERE state = 'created')::int AS waiting,
              count(*) FILTER (WHERE state = 'retry')::int AS retrying,
              count(*) FILTER (WHERE state = 'active')::int AS active,
              min(created_on) FILTER (WHERE state IN ('created', 'retry')) AS oldest
         FROM pgboss.job
        WHERE name = ANY($1::text[]) AND state < 'completed'
        GROUP BY name`,
      [QUEUES],
    ));
  } catch {
    // pg-boss has not created its schema yet (no relay runtime has started on this database).
    rows = [];
  }
  const byName = new Map(rows.map((row) => [row.name, row]));
  return QUEUES.map((queue) => {
    const row = byName.get(queue);
    return {
      queue,
      waiting: Number(row?.waiting ?? 0),
      retrying: Number(row?.retrying ?? 0),
      active: Number(row?.active ?? 0),
      oldestWaitingAt: row?.oldest ? new Date(row.oldest) : null,
    };
  });
}

interface DestinationRow {
  id: string;
  name: string;
  protocol: string;
  disabled: boolean;
  attempts_24h: number;
  ok_24h: number;
  attempts_7d: number;
  ok_7d: number;
}

interface LastErrorRow {
  destination_id: string;
  error_code: string;
  error_message: string | null;
  finished_at: Date | string;
}

function windowStats(attempts: number, succeeded: number, lastError: LastErrorRow | undefined, since: Date): DestinationWindowStats {
  const at = lastError ? new Date(lastError.finished_at) : null;
  return {
    attempts,
    succeeded,
    successRate: attempts ? succeeded / attempts : null,
    lastError: lastError && at && at >= since ? { code: lastError.error_code, message: lastError.error_message, at } : null,
  };
}

async function destinationStats(now: Date): Promise<Omit<DestinationStats, "outage">[]> {
  const { raw } = await getDatabaseHandle();
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
    [now.toISOString(), INTERRUPTED_MESSAGE],
  );
  const { rows: errors } = await raw.query<LastErrorRow>(
    `SELECT DISTINCT ON (t.destination_id) t.destination_id, a.error_code, a.error_message, a.finished_at
       FROM transfer_attempts a JOIN transfers t ON t.id = a.transfer_id
      WHERE a.error_code IS NOT NULL AND a.finished_at >= $1::timestamptz - interval '7 days'
        AND t.created_at >= $1::timestamptz - interval '15 days' AND a.error_message IS DISTINCT FROM $2
      ORDER BY t.destination_id, a.finished_at DESC`,
    [now.toISOString(), INTERRUPTED_MESSAGE],
  );
  const lastError = new Map(errors.map((row) => [row.destination_id, row]));
  const dayAgo = new Date(now.getTime() - 24 * 3600_000);
  const weekAgo = new Date(now.getTime() - 7 * 24 * 3600_000);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    protocol: row.protocol,
    disabled: row.disabled,
    last24h: windowStats(Number(row.attempts_24h), Number(row.ok_24h), lastError.get(row.id), dayAgo),
    last7d: windowStats(Number(row.attempts_7d), Number(row.ok_7d), lastError.get(row.id), weekAgo),
  }));
}

/** Attempts that stopped before contacting the server: they say nothing about whether it answers. */
const NEVER_CONNECTED_CODES = ["CREDENTIALS_MISSING", "LOCAL_FILE_MISSING", "DESTINATION_BLOCKED"] as const;

/**
 * Destinations that are down for everyone: since the server last answered anyone (a delivery, or
 * any reply such as a refused password or a missing folder), every attempt from every organisation
 * failed with a connection error — no answer, connection refused, or the name did not resolve — at
 * least two of them, the first at least `downAfterMinutes` ago and the latest within the last 30
 * minutes. Attempts that never tried to connect (missing credentials, the file gone, a disabled
 * destination) and attempts our own restarts interrupted are left out. Disabled destinations are
 * not reported: they are switched off, not down.
 */
export async function destinationOutages(options: { downAfterMinutes: number; destinationIds?: string[]; now?: Date }): Promise<DestinationOutage[]> {
  const now = options.now ?? new Date();
  if (options.destinationIds && options.destinationIds.length === 0) return [];
  const { raw } = await getDatabaseHandle();
  const { rows } = await raw.query<{
    destination_id: string;
    destination_name: string;
    failing_since: Date | string;
    last_failure: Date | string;
    failures: number;
    organisations: number;
    last_error_code: string;
  }>(
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
    [now.toISOString(), INTERRUPTED_MESSAGE, options.destinationIds ?? null, [...CONNECTION_ERROR_CODES], [...NEVER_CONNECTED_CODES]],
  );
  return rows
    .map((row) => ({
      destinationId: row.destination_id,
      destinationName: row.destination_name,
      failingSince: new Date(row.failing_since),
      lastFailureAt: new Date(row.last_failure),
      failures: Number(row.failures),
      organisations: Number(row.organisations),
      lastErrorCode: row.last_error_code,
    }))
    .filter(
      (row) =>
        row.failures >= OUTAGE_MIN_FAILURES &&
        now.getTime() - row.failingSince.getTime() >= options.downAfterMinutes * 60_000 &&
        now.getTime() - row.lastFailureAt.getTime() <= OUTAGE_FRESHNESS_MINUTES * 60_000,
    );
}

/** Outages of the destinations the partner's organisation has an enabled account on: only those. */
export async function outagesForPartner(actor: Actor, downAfterMinutes: number): Promise<DestinationOutage[]> {
  if (actor.role !== "partner" || !actor.organisationId) return [];
  const { raw } = await getDatabaseHandle();
  const { rows } = await raw.query<{ destination_id: string }>(
    `SELECT destination_id FROM partner_accounts WHERE organisation_id = $1 AND disabled_at IS NULL`,
    [actor.organisationId],
  );
  return destinationOutages({ downAfterMinutes, destinationIds: rows.map((row) => row.destination_id) });
}

/** Everything on the operator's page and in /api/health/details. Admins only. */
export async function operationsSnapshot(actor: Actor, options: { downAfterMinutes: number; now?: Date }): Promise<OperationsSnapshot> {
  requireRole(actor, "admin");
  return buildSnapshot(options);
}

/** The same for a monitoring token, which the route has checked (it has no session actor). */
export async function operationsSnapshotForMonitoring(token: { scope: "monitoring" }, options: { downAfterMinutes: number; now?: Date }): Promise<OperationsSnapshot> {
  if (token.scope !== "monitoring") throw new Error("not a monitoring token");
  return buildSnapshot(options);
}

async function buildSnapshot(options: { downAfterMinutes: number; now?: Date }): Promise<OperationsSnapshot> {
  const now = options.now ?? new Date();
  const { raw, kind } = await getDatabaseHandle();
  const [queues, destinations, outages, transferRows, mailRows, webhookRows, staging] = await Promise.all([
    queueStats(),
    destinationStats(now),
    destinationOutages({ downAfterMinutes: options.downAfterMinutes, now }),
    raw.query<{ sending: number; waiting: number; oldest: Date | string | null }>(
      `SELECT count(*) FILTER (WHERE status = 'sending')::int AS sending,
              count(*) FILTER (WHERE status IN ('received', 'queued'))::int AS waiting,
              min(created_at) FILTER (WHERE status IN ('received', 'queued')) AS oldest
         FROM transfers WHERE status IN ('sending', 'received', 'queued')`,
    ),
    raw.query<{ failed: number; waiting: number }>(
      `SELECT count(*) FILTER (WHERE status = 'failed' AND next_attempt_at IS NULL)::int AS failed,
              count(*) FILTER (WHERE next_attempt_at IS NOT NULL AND status IN ('failed', 'queued'))::int AS waiting
         FROM mail_messages WHERE status IN ('failed', 'queued')`,
    ),
    raw.query<{ pending: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'failed' AND created_at >= $1::timestamptz - interval '24 hours')::int AS failed
         FROM webhook_deliveries WHERE status IN ('pending', 'failed')`,
      [now.toISOString()],
    ),
    measureStagingSpace(),
  ]);
  const outageById = new Map(outages.map((outage) => [outage.destinationId, outage]));
  const transfersRow = transferRows.rows[0];
  return {
    generatedAt: now,
    queues,
    relaysInFlight: Number(transfersRow?.sending ?? 0),
    transfersWaiting: Number(transfersRow?.waiting ?? 0),
    oldestWaitingTransferAt: transfersRow?.oldest ? new Date(transfersRow.oldest) : null,
    mail: { failed: Number(mailRows.rows[0]?.failed ?? 0), waitingForRetry: Number(mailRows.rows[0]?.waiting ?? 0) },
    webhooks: { pending: Number(webhookRows.rows[0]?.pending ?? 0), failedLast24h: Number(webhookRows.rows[0]?.failed ?? 0) },
    destinations: destinations.map((destination) => ({ ...destination, outage: outageById.get(destination.id) ?? null })),
    outages,
    eventLoop: eventLoopDelaySnapshot(),
    database: { engine: kind, ...databaseAvailability() },
    staging,
    status: staging.status === "ok" ? "ok" : "degraded",
  };
}
