/** Nearest-rank percentile (p in 0..100) of a sample. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export const MiB = 1024 * 1024;

/** Decimal megabytes per second, as the engine benchmark reports them. */
export const mbPerSecond = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
