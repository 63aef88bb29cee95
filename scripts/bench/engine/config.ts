/** Run-time knobs of the engine suite, read once from the environment. */
import { positiveInteger } from "../shared/config";

export interface BenchConfig {
  runs: number;
  sizeMiB: number;
  /** The smaller relay that shows the portal's memory does not grow with the file. */
  smallSizeMiB: number;
  /** Upper bound for one transfer, so a hung server cannot hang the benchmark. */
  transferTimeoutMs: number;
}

export function readConfig(): BenchConfig {
  const runs = positiveInteger("BENCH_RUNS", 3);
  const sizeMiB = positiveInteger("BENCH_SIZE_MIB", 256);
  const smallSizeMiB = Math.max(1, Math.min(64, Math.floor(sizeMiB / 4)));
  // Generous: even 10 MB/s must finish, a hang must not last forever.
  const transferTimeoutMs = Math.max(120_000, sizeMiB * 1024 * 1024 / 10_000);
  return { runs, sizeMiB, smallSizeMiB, transferTimeoutMs };
}
