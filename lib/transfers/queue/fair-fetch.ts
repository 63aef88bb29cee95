import "server-only";
import { inTransaction } from "@/db/executor";
import { takeNextRelayJob, type TakenRelayJob } from "@/db/repositories/relay-jobs";
import type { SystemActor } from "@/lib/auth/actor";

/*
 * Which relay job runs next. pg-boss's own fetch takes the oldest job, so eight files queued to a
 * payer throttled to 32 KiB/s took every relay slot and a small file to another payer waited two
 * minutes. The fair fetch (db/repositories/relay-jobs.ts, on pg-boss 10's job table) keeps each
 * destination to its `relay_concurrency`, serves the organisation with the fewest relays running
 * (then round-robin), and never starts a second job for a transfer. Fetchers in every process take
 * turns under a transaction-level advisory lock, held by the transaction opened here.
 */

export type FetchedRelayJob = TakenRelayJob;

/** Takes the next relay job fairly, or undefined when none may start now. */
export async function fetchNextRelayJob(_system: SystemActor, queue: string): Promise<FetchedRelayJob | undefined> {
  return inTransaction((tx) => takeNextRelayJob(tx, queue));
}
