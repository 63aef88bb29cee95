/** Renders the fairness suite as its section of docs/benchmarks.md (between the fairness markers). */
import { cpuSummary, type LoadAverage } from "../shared/machine";
import { median } from "../shared/stats";

/** The small files' target with the default per-destination limit. */
const TARGET_SECONDS = 5;

export interface RoundResult {
  limit: number;
  seconds: number;
  cpuSeconds: number;
  slowDeliveredMeanwhile: number;
}

export function renderFairnessReport(run: {
  results: RoundResult[];
  rounds: number;
  fastFiles: number;
  slowFiles: number;
  slowFileBytes: number;
  slowLinkBytesPerSecond: number;
  loadAverage: LoadAverage;
}): string {
  const { results, rounds, fastFiles, slowFiles, slowFileBytes, slowLinkBytesPerSecond, loadAverage } = run;
  const row = (limit: number, label: string) => {
    const mine = results.filter((r) => r.limit === limit);
    const seconds = mine.map((r) => r.seconds);
    const verdict = limit === 2 ? (median(seconds) < TARGET_SECONDS ? "met" : "**missed**") : "—";
    return `| ${label} | ${median(seconds).toFixed(2)} s | ${Math.min(...seconds).toFixed(2)}–${Math.max(...seconds).toFixed(2)} s | ${median(mine.map((r) => r.cpuSeconds)).toFixed(2)} | ${verdict} |`;
  };
  return [
    "## Fairness: a slow payer and everyone else",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:fairness\` on ${cpuSummary("CPU")}, Node ${process.version}; load average ${loadAverage.start.toFixed(2)} at start, ${loadAverage.end.toFixed(2)} at end.`,
    "",
    `${fastFiles} files of 4 KiB to one sandbox SFTP payer, queued while ${slowFiles} files of ${slowFileBytes / 1024} KiB to another payer behind a ${slowLinkBytesPerSecond / 1024} KiB/s link (per connection, a throttling TCP proxy) were already queued and sending. The relay runs as in the portal: \`RELAY_CONCURRENCY\` 4, protocol worker threads, the fair fetch, an embedded database. Time from queueing the small files until all ${fastFiles} are delivered; ${rounds} interleaved rounds per setting; CPU seconds are this whole process's (relay, threads, sandbox payers, proxy).`,
    "",
    `| Slow payer's relay limit | Median | Range | CPU s (median) | Target < ${TARGET_SECONDS} s |`,
    "|---|---:|---:|---:|---|",
    row(2, "2 (the default)"),
    row(slowFiles, `${slowFiles} (limit lifted: the slow payer may take every slot)`),
    "",
    "Before this round the queue was one oldest-first line: the field report measured 120–122 s for the same small files.",
  ].join("\n");
}
