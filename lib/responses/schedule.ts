import "server-only";
import { getDb } from "@/db/client";
import { claimResponsePollTurn, findDueResponsePolls } from "@/db/repositories/response-polls";
import type { SystemActor } from "@/lib/auth/actor";

/**
 * Queues a poll for every account whose turn has come (its destination's poll interval after the
 * last one). The turn is claimed with a compare-and-set before the job is sent, so schedulers
 * ticking in several processes queue each account once per turn.
 */
export async function scheduleDueResponsePolls(_system: SystemActor, queuePoll: (accountId: string) => Promise<void>, now = new Date()): Promise<number> {
  const db = await getDb();
  let queued = 0;
  for (const due of await findDueResponsePolls(db, now)) {
    if (!(await claimResponsePollTurn(db, due.accountId, now, new Date(now.getTime() + due.pollSeconds * 1000)))) continue;
    await queuePoll(due.accountId);
    queued += 1;
  }
  return queued;
}
