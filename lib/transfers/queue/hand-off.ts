import "server-only";
import type PgBoss from "pg-boss";
import { inTransaction, type Transaction } from "@/db/executor";
import { findRelayState, markQueued } from "@/db/repositories/transfers";
import { hasPendingRelayJob } from "@/db/repositories/relay-jobs";
import type { SystemActor } from "@/lib/auth/actor";
import { transactionBossDb } from "@/lib/jobs/transaction-boss-db";
import type { RelayJobData } from "@/lib/transfers/queue/handler";
import { relayQueue, type RelayQueue } from "@/lib/transfers/queue/queue";

/** Where a relay job goes: the queue's pg-boss, its name and its job options. */
export interface RelayJobTarget {
  boss: Pick<PgBoss, "send">;
  queue: string;
  options: PgBoss.SendOptions;
}

/**
 * The relay queue's write: the transfer becomes "queued" (unless it is delivered or further on) and
 * gets its job, unless it has one waiting, retrying or running. Given a transaction, everything —
 * pg-boss's own insert included — runs on it and commits with the caller's rows; otherwise in a
 * transaction of its own. Returns whether a job was created. The relay queue's implementation calls
 * this; use cases go through `inRelayTransaction`.
 */
export async function queueRelayJob(system: SystemActor, target: RelayJobTarget, transferId: string, tx?: Transaction): Promise<boolean> {
  if (!tx) return inTransaction((own) => queueRelayJob(system, target, transferId, own));
  await markQueued(tx, transferId);
  const state = await findRelayState(tx, transferId);
  if (!state || state.delivered) return false;
  if (state.status !== "queued" && state.status !== "sending") return false;
  if (await hasPendingRelayJob(tx, target.queue, transferId)) return false;
  const data: RelayJobData = { transferId, baseAttempts: state.attemptCount };
  await target.boss.send(target.queue, data, { ...target.options, singletonKey: transferId, db: transactionBossDb(tx) });
  return true;
}

/** What a use case's transaction may do with the relay queue. */
export interface RelayHandOff {
  /** Queue the transfer for delivery in this transaction: its job exists exactly when the transaction commits. */
  enqueue(transferId: string): Promise<void>;
}

/**
 * One transaction for a use case that hands transfers to the relay: its rows, its audit entry and
 * the relay jobs commit together or not at all. The workers are woken once it committed (a job they
 * looked for earlier would not have been visible yet).
 */
export async function inRelayTransaction<T>(work: (tx: Transaction, relay: RelayHandOff) => Promise<T>): Promise<T> {
  let queue: RelayQueue | undefined;
  const result = await inTransaction((tx) =>
    work(tx, {
      async enqueue(transferId) {
        queue ??= relayQueue();
        await queue.enqueue(transferId, tx);
      },
    }),
  );
  queue?.wake?.();
  return result;
}
