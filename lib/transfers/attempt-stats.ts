import { formatBytes } from "@/lib/format";

/**
 * An attempt's numbers for people, from its record: `bytes` is where the attempt left the file on the
 * server (a delivered file: its size) and `resumedFromByte` where it started, so the bytes this
 * attempt sent are the difference, for a failed attempt too. Pure: safe in client components.
 */
export interface AttemptNumbers {
  bytes: number;
  resumedFromByte: number;
  durationMs: number | null;
}

/** Bytes this attempt itself sent (not the file's size: a resumed upload sends only the rest). */
export function bytesSentByAttempt(attempt: Pick<AttemptNumbers, "bytes" | "resumedFromByte">): number {
  return Math.max(0, attempt.bytes - attempt.resumedFromByte);
}

/** A rate in binary units, e.g. "812 B/s", "13.4 KiB/s", "2.07 MiB/s" — never "0.00 MiB/s". */
export function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return "—";
  const units = ["B/s", "KiB/s", "MiB/s", "GiB/s"];
  let value = bytesPerSecond;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B/s`;
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${units[unit]}`;
}

/** The attempt's rate from the bytes it sent over its duration; "—" when it sent nothing or took no time. */
export function attemptRate(attempt: AttemptNumbers): string {
  const sent = bytesSentByAttempt(attempt);
  if (!sent || !attempt.durationMs || attempt.durationMs <= 0) return "—";
  return formatRate(sent / (attempt.durationMs / 1000));
}

/** "812 bytes", "4.2 MiB (resumed at 1 MiB)", or "nothing" for an attempt that sent no byte (or found the file delivered). */
export function describeBytesSent(attempt: Pick<AttemptNumbers, "bytes" | "resumedFromByte">): string {
  const sent = bytesSentByAttempt(attempt);
  const resumed = attempt.resumedFromByte > 0 ? ` (resumed at ${formatBytes(attempt.resumedFromByte)})` : "";
  if (!sent) return "nothing";
  return `${formatBytes(sent)}${resumed}`;
}
