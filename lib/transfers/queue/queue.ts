import "server-only";

/**
 * The relay queue's contract. lib/jobs implements it on pg-boss (PGlite adapter or PostgreSQL):
 * a durable job per transfer, retried with exponential backoff and jitter on transient failures.
 */
export interface RelayQueue {
  /** Queue the transfer for delivery; idempotent per transfer id. */
  enqueue(transferId: string): Promise<void>;
}

const queueKey = Symbol.for("edi-portal.relay-queue");
type GlobalWithQueue = typeof globalThis & { [queueKey]?: RelayQueue };

export function installRelayQueue(queue: RelayQueue | undefined): void {
  (globalThis as GlobalWithQueue)[queueKey] = queue;
}

export function relayQueue(): RelayQueue {
  const queue = (globalThis as GlobalWithQueue)[queueKey];
  if (!queue) throw new Error("The relay queue is not running in this process.");
  return queue;
}
