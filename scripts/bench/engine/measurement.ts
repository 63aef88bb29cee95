import { mbPerSecond } from "../shared/stats";

/** One timed transfer, by the portal or a reference client. */
export interface TransferMeasurement {
  elapsedMs: number;
  bytes: number;
  /** Negotiated cipher (SSH cipher or TLS cipher suite), for the report. */
  cipher?: string;
  /** Negotiated SSH MAC ("<implicit>" for AEAD ciphers) and key exchange. */
  mac?: string;
  kex?: string;
  /** CPU time of the client only (user + system), the server's excluded. */
  cpuMs?: number;
  /** TLS version, when there is one. */
  protocolDetail?: string;
}

/** Decimal megabytes per second (10^6 bytes/s), as network tools print them. */
export function megabytesPerSecond(m: TransferMeasurement): number {
  return mbPerSecond(m.bytes, m.elapsedMs);
}
