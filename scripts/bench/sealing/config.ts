/** Run-time knobs of the sealing suite, read once from the environment. */
import { positiveInteger } from "../shared/config";

export interface SealingConfig {
  /** Interleaved plain/sealed pairs per measurement. */
  pairs: number;
  /** The relayed file (the engine suite's size by default). */
  relayMiB: number;
  /** The API upload body staged by the intake measurement. */
  intakeMiB: number;
  /** The file relayed over SFTP through a paced link (a payer's line is slower than loopback). */
  pacedMiB: number;
  /** That link's rate, in MB/s (10^6 bytes per second). */
  pacedMBps: number;
  /** The payer response file downloaded into the staging store and read back. */
  pickupMiB: number;
  /** The smaller response file read back through the X12 parser (it reads ~10 MB/s, so a whole big one would take minutes). */
  parseMiB: number;
  /** Upper bound for one relay or one local measurement. */
  timeoutMs: number;
}

export function readSealingConfig(): SealingConfig {
  const relayMiB = positiveInteger("SEALING_RELAY_MIB", positiveInteger("BENCH_SIZE_MIB", 256));
  return {
    pairs: positiveInteger("SEALING_PAIRS", 7),
    relayMiB,
    pacedMiB: positiveInteger("SEALING_PACED_MIB", 64),
    pacedMBps: positiveInteger("SEALING_PACED_MBPS", 50),
    intakeMiB: positiveInteger("SEALING_INTAKE_MIB", 256),
    pickupMiB: positiveInteger("SEALING_PICKUP_MIB", 64),
    parseMiB: positiveInteger("SEALING_PARSE_MIB", 8),
    // Generous: even 10 MB/s must finish, a hang must not last forever.
    timeoutMs: Math.max(120_000, (Math.max(relayMiB, 256) * 1024 * 1024) / 10_000),
  };
}
