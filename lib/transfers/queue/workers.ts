import "server-only";
import type PgBoss from "pg-boss";
import type { SystemActor } from "@/lib/auth/actor";
import { logger } from "@/lib/logger";
import { fetchNextRelayJob, type FetchedRelayJob } from "@/lib/transfers/queue/fair-fetch";

export interface RelayWorkerLoop {
  /** Look for work now (a new upload, a freed slot). */
  wake(): void;
  /** Jobs this process runs right now. */
  running(): number;
  /** Stop taking jobs and wait up to graceMs for the running ones. */
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
  run(job: FetchedRelayJob): Promise<object>;
}): RelayWorkerLoop {
  const { system, boss, queue, slots } = options;
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let pumping = false;
  let again = false;

  const runOne = async (job: FetchedRelayJob) => {
    try {
      const output = await options.run(job);
      await boss.complete(queue, job.id, output);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await boss.fail(queue, job.id, { message }).catch((failError: unknown) => logger.error("relay job result not recorded; the sweep will release it", { jobId: job.id, error: failError }));
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

  return {
    wake: () => void pump(),
    running: () => inFlight.size,
    async stop(graceMs) {
      stopped = true;
      clearInterval(timer);
      // Attempts still running after graceMs are left to the lease/restart recovery.
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    },
  };
}
