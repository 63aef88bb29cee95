import "server-only";
import { getDb } from "@/db/client";
import * as relayJobs from "@/db/repositories/relay-jobs";
import type { SystemActor } from "@/lib/auth/actor";

/*
 * The relay sweep's view of pg-boss 10's job table (db/repositories/relay-jobs.ts). pg-boss 10 has
 * no heartbeat: the active job of a worker that died stays "active" until its expireInSeconds
 * passes, which must be long enough for a slow upload. The transfer lease (transfers.updated_at,
 * refreshed while sending) tells sooner that nobody is working on it.
 */

export const BOSS_SCHEMA = relayJobs.BOSS_SCHEMA;

/**
 * Active jobs nobody works on any more go back to "retry", runnable at once: started longer than a
 * lease ago, and their transfer is not being sent under a live lease. Returns their transfer ids.
 */
export async function releaseOrphanedJobs(_system: SystemActor, queue: string, leaseSeconds: number): Promise<string[]> {
  return relayJobs.releaseOrphanedRelayJobs(await getDb(), queue, leaseSeconds);
}

/** Transfers waiting for the relay with no job behind them (older data, or a job lost some other way). */
export async function transfersWithoutJob(_system: SystemActor, queue: string, leaseSeconds: number): Promise<string[]> {
  return relayJobs.transfersWithoutRelayJob(await getDb(), queue, leaseSeconds);
}
