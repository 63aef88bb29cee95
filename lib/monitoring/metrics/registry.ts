import "server-only";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { ATTEMPT_DURATION_BUCKETS_MS } from "@/lib/monitoring/metrics/buckets";
import type { AttemptHistogramSeries, PortalMetricFigures } from "@/lib/monitoring/metrics/figures";

/*
 * The Prometheus registry of GET /api/metrics (prom-client): one per process, its metrics set from
 * the figures read at each scrape (lib/monitoring/metrics/figures.ts) and then written out. Gauges
 * and counters are reset before they are set, so a label set that vanished (a queue emptied, a
 * destination renamed) vanishes from the output too.
 *
 * prom-client's default collectors are not used: they keep their own event-loop sampler and GC
 * observers running and read /proc synchronously; this process's event loop is already measured
 * (lib/monitoring/event-loop-delay.ts), and memory and CPU come from process.* below.
 */

/** prom-client's histogram method the Registry uses for text output (not in its type declarations). */
interface PromStringSource {
  getForPromString(this: unknown): Promise<Record<string, unknown>>;
}

const DESTINATION_LABELS = ["destination_id", "destination"] as const;

/**
 * The attempt-duration histogram, from the cluster's running totals (relay_attempt_totals): its
 * buckets arrive already counted, so this histogram writes them out instead of observing values.
 */
class TotalsHistogram extends Histogram<"destination_id" | "destination" | "outcome"> {
  private series: AttemptHistogramSeries[] = [];
  private readonly metricName: string;

  constructor(configuration: { name: string; help: string; labelNames: Array<"destination_id" | "destination" | "outcome">; buckets: number[]; registers: Registry[] }) {
    super(configuration);
    this.metricName = configuration.name;
  }

  setSeries(series: AttemptHistogramSeries[]): void {
    this.series = series;
  }

  private exported() {
    return this.series.flatMap((entry) => [
      ...ATTEMPT_DURATION_BUCKETS_MS.map((bound, index) => ({ metricName: `${this.metricName}_bucket`, labels: { ...entry.labels, le: bound / 1000 }, value: entry.cumulative[index] })),
      { metricName: `${this.metricName}_bucket`, labels: { ...entry.labels, le: "+Inf" }, value: entry.count },
      { metricName: `${this.metricName}_sum`, labels: entry.labels, value: entry.sumSeconds },
      { metricName: `${this.metricName}_count`, labels: entry.labels, value: entry.count },
    ]);
  }

  /**
   * What the registry writes out: prom-client's own shape (name, help, type, aggregator) with these
   * values. prom-client's Registry calls this in place of get() for the text format.
   */
  async getForPromString() {
    const base = await (Histogram.prototype as unknown as PromStringSource).getForPromString.call(this);
    return { ...base, values: this.exported() };
  }
}

function createPortalRegistry() {
  const registry = new Registry();
  const registers = [registry];
  const metrics = {
    transfersOpen: new Gauge({ name: "edi_transfers_open", help: "Transfers now uploading, received (held included), queued or sending, by destination and status (cluster-wide, from the database).", labelNames: [...DESTINATION_LABELS, "status"], registers }),
    transfersLast24h: new Gauge({ name: "edi_transfers_last_24h", help: "Transfers created in the last 24 hours, by destination and their status now (cluster-wide).", labelNames: [...DESTINATION_LABELS, "status"], registers }),
    uploadsInProgress: new Gauge({ name: "edi_uploads_in_progress", help: "Browser (tus) uploads started and not finished (cluster-wide).", registers }),
    uploadsAnnouncedBytes: new Gauge({ name: "edi_uploads_in_progress_announced_bytes", help: "Sum of the announced lengths (Upload-Length) of the unfinished browser uploads.", registers }),
    uploadsOldestAge: new Gauge({ name: "edi_uploads_oldest_age_seconds", help: "Age of the oldest unfinished browser upload; 0 when there is none.", registers }),
    attemptDuration: new TotalsHistogram({ name: "edi_relay_attempt_duration_seconds", help: "Duration of finished relay attempts, by destination and outcome (cluster-wide running total, kept in the database).", labelNames: [...DESTINATION_LABELS, "outcome"], buckets: ATTEMPT_DURATION_BUCKETS_MS.map((ms) => ms / 1000), registers }),
    attemptBytes: new Counter({ name: "edi_relay_attempt_bytes_total", help: "Bytes the payers acknowledged in finished relay attempts, by destination and outcome (cluster-wide running total).", labelNames: [...DESTINATION_LABELS, "outcome"], registers }),
    queueJobs: new Gauge({ name: "edi_queue_jobs", help: "Unfinished pg-boss jobs per queue: waiting, retrying (waiting after a failure) and active.", labelNames: ["queue", "state"], registers }),
    queueOldestAge: new Gauge({ name: "edi_queue_oldest_job_age_seconds", help: "How long the oldest waiting or retrying job of the queue has existed, by the database's clock; 0 when none waits.", labelNames: ["queue"], registers }),
    pickupsLast24h: new Gauge({ name: "edi_response_files_picked_up_last_24h", help: "Payer response files picked up in the last 24 hours, by destination and kind.", labelNames: [...DESTINATION_LABELS, "kind"], registers }),
    pollAccounts: new Gauge({ name: "edi_response_poll_accounts", help: "Partner accounts whose response folder is polled, by how their last poll went (ok, failing, never polled).", labelNames: [...DESTINATION_LABELS, "state"], registers }),
    pollLastSuccess: new Gauge({ name: "edi_response_poll_last_success_timestamp_seconds", help: "Unix time of the destination's latest successful response poll (any account).", labelNames: [...DESTINATION_LABELS], registers }),
    eventLoopDelay: new Gauge({ name: "edi_event_loop_delay_seconds", help: "This process's event-loop delay over the last complete minute (the current one during the first minute), by quantile; absent before the monitor starts.", labelNames: ["quantile"], registers }),
    collectDuration: new Gauge({ name: "edi_metrics_collect_seconds", help: "How long this scrape's database statements took.", registers }),
    residentMemory: new Gauge({ name: "process_resident_memory_bytes", help: "Resident memory size of this process in bytes.", registers }),
    cpuSeconds: new Counter({ name: "process_cpu_seconds_total", help: "User and system CPU time this process spent, in seconds.", registers }),
  };
  return { registry, metrics };
}

type PortalRegistry = ReturnType<typeof createPortalRegistry>;

function setAll<L extends string>(metric: Gauge<L> | Counter<L>, series: Array<{ labels: Partial<Record<L, string | number>>; value: number }>): void {
  metric.reset();
  for (const { labels, value } of series) {
    if (metric instanceof Gauge) metric.set(labels, value);
    else metric.inc(labels, value);
  }
}

/** Sets every metric from one scrape's figures. Synchronous: no scrape sees half of another. */
function apply({ metrics }: PortalRegistry, figures: PortalMetricFigures): void {
  setAll(metrics.transfersOpen, figures.transfersOpen);
  setAll(metrics.transfersLast24h, figures.transfersLast24h);
  metrics.uploadsInProgress.set(figures.uploads.inProgress);
  metrics.uploadsAnnouncedBytes.set(figures.uploads.announcedBytes);
  metrics.uploadsOldestAge.set(figures.uploads.oldestAgeSeconds);
  metrics.attemptDuration.setSeries(figures.attemptDurations);
  setAll(metrics.attemptBytes, figures.attemptBytes);
  setAll(metrics.queueJobs, figures.queueJobs);
  setAll(metrics.queueOldestAge, figures.queueOldestAgeSeconds);
  setAll(metrics.pickupsLast24h, figures.pickupsLast24h);
  setAll(metrics.pollAccounts, figures.pollAccounts);
  setAll(metrics.pollLastSuccess, figures.pollLastSuccess);
  const loop = figures.eventLoop;
  setAll(metrics.eventLoopDelay, loop ? [{ labels: { quantile: "0.5" }, value: loop.p50Seconds }, { labels: { quantile: "0.99" }, value: loop.p99Seconds }, { labels: { quantile: "1" }, value: loop.maxSeconds }] : []);
  metrics.collectDuration.set(figures.collectSeconds);
  metrics.residentMemory.set(process.memoryUsage.rss());
  const cpu = process.cpuUsage();
  setAll(metrics.cpuSeconds, [{ labels: {}, value: (cpu.user + cpu.system) / 1e6 }]);
}

let portalRegistry: PortalRegistry | undefined;

/** The figures written out in Prometheus' text format (version 0.0.4). */
export async function renderMetrics(figures: PortalMetricFigures): Promise<{ contentType: string; body: string }> {
  portalRegistry ??= createPortalRegistry();
  apply(portalRegistry, figures);
  return { contentType: portalRegistry.registry.contentType, body: await portalRegistry.registry.metrics() };
}
