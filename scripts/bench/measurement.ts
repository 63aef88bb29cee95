/** One timed transfer, by the portal or a reference client. */
export interface TransferMeasurement {
  elapsedMs: number;
  bytes: number;
  /** Negotiated cipher (SSH cipher or TLS cipher suite), for the report. */
  cipher?: string;
  /** CPU time of the client only (user + system), the server's excluded. */
  cpuMs?: number;
  /** TLS version, when there is one. */
  protocolDetail?: string;
}

/** A transfer that did not complete; `log` is the client's (secret-free) output. */
export class BenchFailure extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
  }
}

/** Decimal megabytes per second (10^6 bytes/s), as network tools print them. */
export function megabytesPerSecond(m: TransferMeasurement): number {
  return m.bytes / 1e6 / (m.elapsedMs / 1000);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
