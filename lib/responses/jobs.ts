import "server-only";
import type PgBoss from "pg-boss";
import { systemActor } from "@/lib/auth/actor";
import { logger } from "@/lib/logger";
import { markOverdueResponses } from "@/lib/responses/deadline";
import { pollResponsesOfAccount } from "@/lib/responses/poll";
import { scheduleDueResponsePolls } from "@/lib/responses/schedule";

export const RESPONSE_POLL_QUEUE = "response-poll";

/** How often each worker process looks for accounts due a poll and for answers overdue. */
const SCHEDULER_TICK_MS = 5_000;

export interface ResponsePollJobData {
  accountId: string;
}

export interface ResponseJobs {
  /** Queue a poll of this account now (the "check for responses now" button, the demo). */
  pollNow(accountId: string): Promise<void>;
  /** One scheduler turn: queue due polls, mark overdue answers. Runs on a timer; exposed for tests. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export async function createResponseQueues(boss: PgBoss): Promise<void> {
  // stately with the account as singleton key: at most one poll waiting and one running per account.
  await boss.createQueue(RESPONSE_POLL_QUEUE, { name: RESPONSE_POLL_QUEUE, policy: "stately", retryLimit: 0, expireInSeconds: 900 });
}

/**
 * Payer-response polling on the relay's pg-boss: the producer side always; with workers, `slots`
 * polls at a time on this process (they share the protocol worker threads with deliveries) and the
 * scheduler tick.
 */
export async function startResponseJobs(boss: PgBoss, options: { work: boolean; pollSeconds: number; slots: number }): Promise<ResponseJobs> {
  const scheduler = systemActor("scheduler");
  const relayWorker = systemActor("relay-worker");
  const workerIds: string[] = [];
  if (options.work) {
    for (let slot = 0; slot < options.slots; slot++) {
      workerIds.push(
        await boss.work<ResponsePollJobData>(RESPONSE_POLL_QUEUE, { batchSize: 1, pollingIntervalSeconds: options.pollSeconds }, async ([job]) => {
          const outcome = await pollResponsesOfAccount(relayWorker, job.data.accountId);
          return { status: outcome.status, recorded: outcome.recorded, duplicates: outcome.duplicates, settled: outcome.settled, error: outcome.error?.code };
        }),
      );
    }
  }
  const pollNow = async (accountId: string) => {
    await boss.send(RESPONSE_POLL_QUEUE, { accountId } satisfies ResponsePollJobData, { singletonKey: accountId });
    for (const id of workerIds) boss.notifyWorker(id);
  };
  let ticking: Promise<void> | undefined;
  const tick = () => {
    ticking ??= (async () => {
      try {
        await scheduleDueResponsePolls(scheduler, pollNow);
        await markOverdueResponses(scheduler);
      } catch (error) {
        logger.warn("response scheduler turn failed; trying again shortly", { error });
      } finally {
        ticking = undefined;
      }
    })();
    return ticking;
  };
  const timer = options.work ? setInterval(() => void tick(), SCHEDULER_TICK_MS) : undefined;
  timer?.unref();
  return {
    pollNow,
    tick,
    async stop() {
      clearInterval(timer);
      await ticking;
    },
  };
}
