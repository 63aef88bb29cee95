import "server-only";
import { getDatabaseHandle } from "@/db/client";
import * as repo from "@/db/repositories/metrics";
import { eventLoopDelaySnapshot } from "@/lib/monitoring/event-loop-delay";
import { ATTEMPT_DURATION_BUCKETS_MS } from "@/lib/monitoring/metrics/buckets";
import { destinationLabeller, LabelledSums, MAX_LABELLED_DESTINATIONS, type DestinationLabels } from "@/lib/monitoring/metrics/destination-labels";

/*
 * The figures behind GET /api/metrics, read once per scrape.
 *
 * Everything about transfers, relays, queues, uploads and pickups comes from the database at scrape
 * time, so every web instance reports the same cluster-wide figures, whichever process did the work:
 * relays run in worker processes that serve no HTTP, and a per-process counter in each of them would
 * need every worker scraped and would reset at each restart. Attempts add themselves to
 * relay_attempt_totals when they are recorded, so their histogram is a cluster-wide running total.
 * Only the event-loop delay (and prom-client's process figures) belong to the process scraped.
 */

/** The queues the portal creates (lib/transfers/queue, lib/notifications, lib/responses): the only queue labels. */
export const PORTAL_QUEUES = ["relay", "staging-retention", "notify-dispatch", "webhook-delivery", "mail-retry", "daily-summary", "response-poll"] as const;

type WithDestination<L> = DestinationLabels & L;

export interface AttemptHistogramSeries {
  labels: WithDestination<{ outcome: string }>;
  /** Cumulative counts for each bound of ATTEMPT_DURATION_BUCKETS_MS, in order. */
  cumulative: number[];
  count: number;
  sumSeconds: number;
}

export interface PortalMetricFigures {
  transfersOpen: Array<{ labels: WithDestination<{ status: string }>; value: number }>;
  transfersLast24h: Array<{ labels: WithDestination<{ status: string }>; value: number }>;
  uploads: { inProgress: number; announcedBytes: number; oldestAgeSeconds: number };
  attemptDurations: AttemptHistogramSeries[];
  attemptBytes: Array<{ labels: WithDestination<{ outcome: string }>; value: number }>;
  queueJobs: Array<{ labels: { queue: string; state: "waiting" | "retrying" | "active" }; value: number }>;
  queueOldestAgeSeconds: Array<{ labels: { queue: string }; value: number }>;
  pickupsLast24h: Array<{ labels: WithDestination<{ kind: string }>; value: number }>;
  pollAccounts: Array<{ labels: WithDestination<{ state: "ok" | "failing" | "never" }>; value: number }>;
  pollLastSuccess: Array<{ labels: DestinationLabels; value: number }>;
  /** This process's event loop: the last complete minute (the current one during the first minute); null before the monitor starts. */
  eventLoop: { p50Seconds: number; p99Seconds: number; maxSeconds: number } | null;
  /** How long the database part of this scrape took. */
  collectSeconds: number;
}

const toNumber = (value: string | number | null | undefined) => Number(value ?? 0);

function attemptSeries(rows: repo.AttemptTotalsRow[], label: ReturnType<typeof destinationLabeller>) {
  const series = new Map<string, { labels: WithDestination<{ outcome: string }>; perBucket: Map<number, number>; count: number; sumMs: number; bytes: number }>();
  for (const row of rows) {
    const labels = { ...label(row.destination_id), outcome: row.outcome };
    const key = `${labels.destination_id}\u0000${labels.outcome}`;
    const entry = series.get(key) ?? { labels, perBucket: new Map<number, number>(), count: 0, sumMs: 0, bytes: 0 };
    const attempts = toNumber(row.attempts);
    entry.perBucket.set(row.duration_bucket_ms, (entry.perBucket.get(row.duration_bucket_ms) ?? 0) + attempts);
    entry.count += attempts;
    entry.sumMs += toNumber(row.duration_ms_sum);
    entry.bytes += toNumber(row.bytes);
    series.set(key, entry);
  }
  const durations: AttemptHistogramSeries[] = [];
  const bytes: PortalMetricFigures["attemptBytes"] = [];
  for (const entry of series.values()) {
    let running = 0;
    const cumulative = ATTEMPT_DURATION_BUCKETS_MS.map((bound) => (running += entry.perBucket.get(bound) ?? 0));
    // Attempts longer than the last bound (stored as LONGER_THAN_LAST_BUCKET) count only in +Inf: the count itself.
    durations.push({ labels: entry.labels, cumulative, count: entry.count, sumSeconds: entry.sumMs / 1000 });
    bytes.push({ labels: entry.labels, value: entry.bytes });
  }
  return { durations, bytes };
}

function eventLoopFigures(): PortalMetricFigures["eventLoop"] {
  const snapshot = eventLoopDelaySnapshot();
  if (!snapshot.started) return null;
  const window = snapshot.lastMinute ?? snapshot.current;
  if (window.p50Ms === null || window.p99Ms === null || window.maxMs === null) return null;
  return { p50Seconds: window.p50Ms / 1000, p99Seconds: window.p99Ms / 1000, maxSeconds: window.maxMs / 1000 };
}

/** Reads every figure: the statements run side by side on the pool, none of them blocks the event loop. */
export async function collectMetricFigures(): Promise<PortalMetricFigures> {
  const started = performance.now();
  const { raw } = await getDatabaseHandle();
  const [destinations, transfers, uploads, totals, queues, pickups, polls] = await Promise.all([
    repo.labelledDestinations(raw, MAX_LABELLED_DESTINATIONS),
    repo.transferCounts(raw),
    repo.uploadsInProgress(raw),
    repo.attemptTotals(raw),
    repo.queueJobs(raw),
    repo.responsePickupsLast24h(raw),
    repo.responsePolls(raw),
  ]);
  const collectSeconds = (performance.now() - started) / 1000;
  const label = destinationLabeller(destinations);

  const open = new LabelledSums<WithDestination<{ status: string }>>();
  const recent = new LabelledSums<WithDestination<{ status: string }>>();
  for (const row of transfers) {
    const labels = { ...label(row.destination_id), status: row.status };
    if ((repo.OPEN_TRANSFER_STATUSES as readonly string[]).includes(row.status)) open.add(labels, toNumber(row.open));
    recent.add(labels, toNumber(row.last_24h));
  }

  const queueByName = new Map(queues.map((row) => [row.name, row]));
  const queueJobs: PortalMetricFigures["queueJobs"] = [];
  const queueOldestAgeSeconds: PortalMetricFigures["queueOldestAgeSeconds"] = [];
  for (const queue of PORTAL_QUEUES) {
    const row = queueByName.get(queue);
    queueJobs.push({ labels: { queue, state: "waiting" }, value: toNumber(row?.waiting) });
    queueJobs.push({ labels: { queue, state: "retrying" }, value: toNumber(row?.retrying) });
    queueJobs.push({ labels: { queue, state: "active" }, value: toNumber(row?.active) });
    queueOldestAgeSeconds.push({ labels: { queue }, value: Math.max(0, toNumber(row?.oldest_age_seconds)) });
  }

  const pickupsLast24h = new LabelledSums<WithDestination<{ kind: string }>>();
  for (const row of pickups) pickupsLast24h.add({ ...label(row.destination_id), kind: row.kind }, toNumber(row.files));

  const pollAccounts = new LabelledSums<WithDestination<{ state: "ok" | "failing" | "never" }>>();
  const lastSuccess = new Map<string, { labels: DestinationLabels; value: number }>();
  for (const row of polls) {
    const destination = label(row.destination_id);
    pollAccounts.add({ ...destination, state: "ok" }, toNumber(row.ok));
    pollAccounts.add({ ...destination, state: "failing" }, toNumber(row.failing));
    pollAccounts.add({ ...destination, state: "never" }, toNumber(row.never));
    if (row.last_success_seconds === null) continue;
    const seen = lastSuccess.get(destination.destination_id);
    const value = toNumber(row.last_success_seconds);
    if (!seen || value > seen.value) lastSuccess.set(destination.destination_id, { labels: destination, value });
  }

  const attempts = attemptSeries(totals, label);
  return {
    transfersOpen: open.entries(),
    transfersLast24h: recent.entries(),
    uploads: { inProgress: toNumber(uploads.uploads), announcedBytes: toNumber(uploads.announced_bytes), oldestAgeSeconds: Math.max(0, toNumber(uploads.oldest_age_seconds)) },
    attemptDurations: attempts.durations,
    attemptBytes: attempts.bytes,
    queueJobs,
    queueOldestAgeSeconds,
    pickupsLast24h: pickupsLast24h.entries(),
    pollAccounts: pollAccounts.entries(),
    pollLastSuccess: [...lastSuccess.values()],
    eventLoop: eventLoopFigures(),
    collectSeconds,
  };
}
