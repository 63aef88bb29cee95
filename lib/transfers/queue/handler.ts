import "server-only";
import type { SystemActor } from "@/lib/auth/actor";
import { logger } from "@/lib/logger";
import { runDeliveryAttempt } from "@/lib/transfers/delivery/attempt";
import { claimTransfer, releaseClaim, renewLease } from "@/lib/transfers/queue/claims";
import { heartbeatMs, type RelayConfig } from "@/lib/transfers/queue/config";

export interface RelayJobData {
  transferId: string;
  /** The transfer's attempt count when it was queued: the attempt budget counts from here. */
  baseAttempts: number;
}

export interface RelayJobMeta {
  retryCount: number;
  retryLimit: number;
}

/** Thrown so that pg-boss schedules the next try with backoff; the attempt itself is already recorded. */
export class RetryLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RetryLater";
  }
}

export type RelayJobOutcome = { status: string; skipped?: string };

/**
 * One run of a relay job: claim the transfer (the only way into "sending"), run one recorded
 * attempt while keeping the lease fresh, then either finish the job or throw RetryLater.
 */
export async function runRelayJob(system: SystemActor, config: RelayConfig, data: RelayJobData, meta: RelayJobMeta, handBack?: AbortSignal): Promise<RelayJobOutcome> {
  const { transferId } = data;
  const claim = await claimTransfer(system, transferId, config.leaseSeconds);
  if (!claim.claimed) {
    // Another worker holds a live lease: come back later rather than send the same file twice.
    if (claim.reason === "busy") throw new RetryLater(`transfer ${transferId} is being sent by another worker`);
    return { status: claim.status ?? "gone", skipped: claim.reason };
  }

  const attemptNumber = claim.attemptCount - (data.baseAttempts ?? 0) + 1;
  const outOfJobRetries = meta.retryCount >= meta.retryLimit;
  const isLastAttempt = attemptNumber >= config.maxAttempts || outOfJobRetries;
  const abort = new AbortController();
  const timeout = setTimeout(() => abort.abort(new Error("relay attempt timed out")), config.attemptTimeoutSeconds * 1000);
  // The process stopping hands the attempt back (lib/transfers/queue/hand-back.ts), with its reason.
  const onHandBack = () => abort.abort(handBack?.reason);
  if (handBack?.aborted) onHandBack();
  else handBack?.addEventListener("abort", onHandBack, { once: true });
  const heartbeat = setInterval(() => {
    renewLease(system, transferId).catch((error: unknown) => logger.warn("relay lease renewal failed", { transferId, error }));
  }, heartbeatMs(config));
  try {
    const result = await runDeliveryAttempt(system, transferId, { isLastAttempt, signal: abort.signal, minBytesPerSecond: config.minBytesPerSecond });
    // "attempt" is the transfer's attempt number, as its page and transcript show it; "jobAttempt" counts
    // within this job's budget (a re-queued transfer starts a new budget).
    const attempt = result.attemptNumber ?? claim.attemptCount + 1;
    logger.info("relay attempt finished", { transferId, attempt, jobAttempt: attemptNumber, status: result.status, code: result.error?.code });
    if (result.status === "queued") throw new RetryLater(`attempt ${attempt} failed: ${result.error?.code ?? "transient error"}`);
    return { status: result.status };
  } catch (error) {
    if (!(error instanceof RetryLater)) {
      // Failed outside a recorded attempt (database, missing rows): let the job retry it.
      logger.error("relay job failed", { transferId, error });
      await releaseClaim(system, transferId).catch(() => undefined);
    }
    throw error;
  } finally {
    clearTimeout(timeout);
    clearInterval(heartbeat);
    handBack?.removeEventListener("abort", onHandBack);
  }
}
