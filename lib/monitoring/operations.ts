import "server-only";
import { getDatabaseHandle } from "@/db/client";
import * as repo from "@/db/repositories/operations";
import type { LastErrorRow } from "@/db/repositories/operations";
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
  const rows = await repo.jobCountsByQueue((await getDatabaseHandle()).raw, QUEUES);
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
  const rows = await repo.destinationAttemptCounts(raw, now, INTERRUPTED_MESSAGE);
  const errors = await repo.lastDestinationErrors(raw, now, INTERRUPTED_MESSAGE);
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
const NEVER_CONNECTED_CODES = ["CREDENTIALS_MISSING", "LOCAL_FILE_MISSING", "STAGED_FILE_DAMAGED", "DESTINATION_BLOCKED"] as const;

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
  const rows = await repo.connectionFailureRuns((await getDatabaseHandle()).raw, {
    now,
    interruptedMessage: INTERRUPTED_MESSAGE,
    destinationIds: options.destinationIds ?? null,
    noAnswerCodes: [...CONNECTION_ERROR_CODES],
    neverConnectedCodes: [...NEVER_CONNECTED_CODES],
  });
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
  const destinationIds = await repo.enabledDestinationIdsOfOrganisation((await getDatabaseHandle()).raw, actor.organisationId);
  return destinationOutages({ downAfterMinutes, destinationIds });
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
    repo.transferBacklog(raw),
    repo.mailBacklog(raw),
    repo.webhookBacklog(raw, now),
    measureStagingSpace(),
  ]);
  const outageById = new Map(outages.map((outage) => [outage.destinationId, outage]));
  const transfersRow = transferRows;
  return {
    generatedAt: now,
    queues,
    relaysInFlight: Number(transfersRow?.sending ?? 0),
    transfersWaiting: Number(transfersRow?.waiting ?? 0),
    oldestWaitingTransferAt: transfersRow?.oldest ? new Date(transfersRow.oldest) : null,
    mail: { failed: Number(mailRows?.failed ?? 0), waitingForRetry: Number(mailRows?.waiting ?? 0) },
    webhooks: { pending: Number(webhookRows?.pending ?? 0), failedLast24h: Number(webhookRows?.failed ?? 0) },
    destinations: destinations.map((destination) => ({ ...destination, outage: outageById.get(destination.id) ?? null })),
    outages,
    eventLoop: eventLoopDelaySnapshot(),
    database: { engine: kind, ...databaseAvailability() },
    staging,
    status: staging.status === "ok" ? "ok" : "degraded",
  };
}
