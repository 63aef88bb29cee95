import "server-only";
import type PgBoss from "pg-boss";
import type { SystemActor } from "@/lib/auth/actor";
import { logger } from "@/lib/logger";
import { fetchNextRelayJob, type FetchedRelayJob } from "@/lib/transfers/queue/fair-fetch";
import { RelayHandedBack } from "@/lib/transfers/queue/hand-back";

/** How long handing back the running relays may take to be recorded at shutdown. */
const HAND_BACK_MS = 10_000;

export interface RelayWorkerLoop {
  /** Look for work now (a new upload, a freed slot). */
  wake(): void;
  /** Jobs this process runs right now. */
  running(): number;
  /** Take no more jobs; the running ones carry on. */
  stopFetching(): void;
  /**
   * Stop taking jobs and wait up to graceMs for the running ones; then hand back those still
   * running (their attempts are aborted as interrupted, recorded and retried by any worker) and
   * wait up to HAND_BACK_MS for that to be recorded.
   */
  stop(graceMs: number): Promise<void>;
}

/**
 * This process's relay slots (RELAY_CONCURRENCY), filled by the fair fetch instead of pg-boss's
 * oldest-first `work()`. Each job's result goes back through pg-boss (complete, or fail with its
 * retry and backoff), so retries, expiry and the job history stay pg-boss's.
 */
export function startRelayWorkerLoop(options: {
  /** Who fetches and runs the jobs: the relay worker. */
  system: SystemActor;
  boss: PgBoss;
  queue: string;
  slots: number;
  pollSeconds: number;
  /** `signal` aborts when the process hands the job back at shutdown. */
  run(job: FetchedRelayJob, signal: AbortSignal): Promise<object>;
}): RelayWorkerLoop {
  const { system, boss, queue, slots } = options;
  const inFlight = new Set<Promise<void>>();
  const handBack = new Set<AbortController>();
  let stopped = false;
  let pumping = false;
  let again = false;

  const runOne = async (job: FetchedRelayJob) => {
    const abort = new AbortController();
    handBack.add(abort);
    try {
      const output = await options.run(job, abort.signal);
      await boss.complete(queue, job.id, output);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await boss.fail(queue, job.id, { message }).catch((failError: unknown) => logger.error("relay job result not recorded; the sweep will release it", { jobId: job.id, error: failError }));
    } finally {
      handBack.delete(abort);
    }
  };

  const pump = async () => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      while (!stopped && inFlight.size < slots) {
        const job = await fetchNextRelayJob(system, queue);
        if (!job) break;
        const running = runOne(job).finally(() => {
          inFlight.delete(running);
          void pump();
        });
        inFlight.add(running);
      }
    } catch (error) {
      logger.warn("relay fetch failed; trying again shortly", { error });
    } finally {
      pumping = false;
      if (again && !stopped) {
        again = false;
        void pump();
      }
    }
  };

  const timer = setInterval(() => void pump(), Math.max(100, options.pollSeconds * 1000));
  timer.unref();
  void pump();

  const stopFetching = () => {
    stopped = true;
    clearInterval(timer);
  };
  const settledWithin = (ms: number) =>
    Promise.race([Promise.allSettled([...inFlight]).then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);

  return {
    wake: () => void pump(),
    running: () => inFlight.size,
    stopFetching,
    async stop(graceMs) {
      stopFetching();
      if (await settledWithin(graceMs)) return;
      // Still running after the grace period: hand them back rather than leave them until their
      // lease runs out. One not recorded in time is taken over when its lease expires.
      logger.warn("relays still running at shutdown are handed back to the queue", { count: handBack.size });
      for (const abort of handBack) abort.abort(new RelayHandedBack());
      if (!(await settledWithin(HAND_BACK_MS))) logger.warn("relays not recorded as handed back in time; their lease runs out for another worker", { count: inFlight.size });
    },
  };
}
