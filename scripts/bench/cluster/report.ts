/** Renders the cluster suite as its section of docs/benchmarks.md (between the cluster markers). */
import { cpuSummary, type LoadAverage } from "../shared/machine";
import { mbPerSecond, median } from "../shared/stats";
import type { ClusterConfig } from "./config";

export interface ClusterRound {
  instances: number;
  uploads: number;
  bytesEach: number;
  /** First request → last 202 (every file staged and queued). */
  stagedMs: number;
  /** First request → last file delivered to the payer. */
  deliveredMs: number;
  /** Upload requests each instance received. */
  perInstance: number[];
}

export function renderClusterReport(run: { config: ClusterConfig; rounds: ClusterRound[]; loadAverage: LoadAverage }): string {
  const { config, rounds, loadAverage } = run;
  const totalBytes = config.uploads * config.uploadMiB * 1024 * 1024;
  const row = (instances: number) => {
    const mine = rounds.filter((round) => round.instances === instances);
    const staged = median(mine.map((round) => round.stagedMs));
    const delivered = median(mine.map((round) => round.deliveredMs));
    const spread = mine.map((round) => round.perInstance.join("/")).join(", ");
    return `| ${instances} | ${mbPerSecond(totalBytes, staged).toFixed(1)} MB/s (${(staged / 1000).toFixed(1)} s) | ${mbPerSecond(totalBytes, delivered).toFixed(1)} MB/s (${(delivered / 1000).toFixed(1)} s) | ${spread} |`;
  };
  const ratio = (() => {
    const one = median(rounds.filter((r) => r.instances === 1).map((r) => r.stagedMs));
    const two = median(rounds.filter((r) => r.instances === 2).map((r) => r.stagedMs));
    return one / two;
  })();
  return [
    "## Cluster: API uploads with one and two web instances",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:cluster\` on ${cpuSummary("CPU")}, Node ${process.version}, PostgreSQL; load average ${loadAverage.start.toFixed(2)} at start, ${loadAverage.end.toFixed(2)} at end.`,
    "",
    `${config.uploads} different files of ${config.uploadMiB} MiB sent at once with \`POST /api/v1/transfers\` through a round-robin HTTP proxy (one request to each instance in turn) to one or two web instances as \`npm start\` runs them, on one PostgreSQL database and one shared \`DATA_DIR\`; each relays to the demo's sandbox SFTP payer (every instance's relay workers take part). *Staged*: first request to the last \`202\` (received, hashed, sealed, checked, queued). *Delivered*: first request to the last file on the payer, every one checked by size and SHA-256. Median of ${config.rounds} interleaved rounds per setting. Everything — the client, the proxy, the instances, PostgreSQL and the payer — shares this machine's CPUs, so a second instance adds event loops, not cores.`,
    "",
    "| Web instances | Aggregate staged | Aggregate delivered | Requests per instance (each round) |",
    "|---:|---:|---:|---|",
    row(1),
    row(2),
    "",
    `Two instances staged ${ratio.toFixed(2)}× as fast as one.`,
  ].join("\n");
}
