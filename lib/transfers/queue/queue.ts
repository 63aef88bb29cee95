import "server-only";
import type { Transaction } from "@/db/executor";
import { runtime } from "@/lib/runtime";

/**
 * The relay queue's contract. lib/transfers/queue/runtime.ts implements it on pg-boss (PGlite
 * adapter or PostgreSQL): a durable job per transfer, retried with exponential backoff and jitter on
 * transient failures. Every runtime has one (lib/runtime): the started relay, or `noRelayQueue`.
 */
export interface RelayQueue {
  /**
   * Queue the transfer for delivery; idempotent per transfer id. Given a use case's transaction, the
   * job is written in it and exists only if it commits (lib/transfers/queue/hand-off.ts); the caller
   * then calls wake().
   */
  enqueue(transferId: string, tx?: Transaction): Promise<void>;
  /** Have this process's workers look for jobs now (a transaction that queued some committed). None: nothing to wake. */
  wake?(): void;
  /** Queue a poll of a partner account's payer responses now (lib/responses). Absent where no job queues run. */
  pollResponsesNow?(accountId: string): Promise<void>;
}

/** The runtime's relay queue (for code that is not handed it: actions, routes, services). */
export function relayQueue(): RelayQueue {
  return runtime().relayQueue;
}

/**
 * The relay queue of a runtime that runs no job queues (a script; a test that started no relay):
 * queueing a transfer there is a mistake, and fails saying so instead of leaving the file unsent.
 */
export function noRelayQueue(where: string): RelayQueue {
  return {
    async enqueue() {
      throw new Error(`The relay queue is not running in this process (${where}).`);
    },
  };
}
