import "server-only";
import { env } from "@/lib/env";

export interface RelayConfig {
  maxAttempts: number;
  retryBaseSeconds: number;
  concurrency: number;
  leaseSeconds: number;
  attemptTimeoutSeconds: number;
  pollSeconds: number;
  retentionDays: number;
  deliveredGraceHours: number;
  /** A relay acknowledged slower than this (bytes/s, judged over a minute) is stopped and retried. */
  minBytesPerSecond?: number;
}

export function relayConfigFromEnv(): RelayConfig {
  const config = env();
  return {
    maxAttempts: config.RELAY_MAX_ATTEMPTS,
    retryBaseSeconds: config.RELAY_RETRY_BASE_SECONDS,
    concurrency: config.RELAY_CONCURRENCY,
    leaseSeconds: config.RELAY_LEASE_SECONDS,
    attemptTimeoutSeconds: config.RELAY_ATTEMPT_TIMEOUT_SECONDS,
    pollSeconds: config.RELAY_POLL_SECONDS,
    retentionDays: config.STAGING_RETENTION_DAYS,
    deliveredGraceHours: config.STAGING_DELIVERED_GRACE_HOURS,
    minBytesPerSecond: config.RELAY_MIN_BYTES_PER_SECOND,
  };
}

/** How often a worker refreshes the lease of a transfer it is sending. */
export function heartbeatMs(config: RelayConfig): number {
  return Math.max(500, Math.floor((config.leaseSeconds * 1000) / 4));
}

/**
 * pg-boss fails (and retries) a job whose handler runs longer than expireInSeconds, without
 * stopping the handler. The attempt is aborted by its own timeout first; the margin leaves time
 * for the attempt to be recorded. The lease, not this expiry, is how a dead worker's job is
 * found quickly: expiry is only the backstop (maintenance runs every two minutes).
 */
export function jobExpireSeconds(config: RelayConfig): number {
  return Math.min(23 * 3600, config.attemptTimeoutSeconds + 120);
}
