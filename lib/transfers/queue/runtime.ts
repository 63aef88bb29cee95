import "server-only";
import type PgBoss from "pg-boss";
import type { DatabaseHandle } from "@/db/client";
import type { Transaction } from "@/db/executor";
import { systemActor } from "@/lib/auth/actor";
import { logger } from "@/lib/logger";
import { createBoss } from "@/lib/jobs/boss";
import { requeueInterruptedSends } from "@/lib/transfers/queue/claims";
import { jobExpireSeconds, relayConfigFromEnv, type RelayConfig } from "@/lib/transfers/queue/config";
import { runRelayJob, type RelayJobData } from "@/lib/transfers/queue/handler";
import { queueRelayJob } from "@/lib/transfers/queue/hand-off";
import { releaseOrphanedJobs, transfersWithoutJob } from "@/lib/transfers/queue/job-rows";
import { createNotificationQueues, NOTIFICATION_QUEUES, startNotificationWorkers, type NotificationWorkers } from "@/lib/notifications/jobs";
import type { RelayQueue } from "@/lib/transfers/queue/queue";
import { removeExpiredStagedFiles } from "@/lib/transfers/staging/retention";
import { removeExpiredUnfinishedUploads } from "@/lib/transfers/staging/unfinished-uploads";
import { env } from "@/lib/env";
import { removeOrphanedResponseFiles } from "@/lib/responses/orphans";
import { removeExpiredResponseFiles } from "@/lib/responses/retention";
import { createDatabaseMaintenanceQueue, DATABASE_MAINTENANCE_QUEUE, startDatabaseMaintenanceWorker } from "@/lib/database-maintenance/jobs";
import { createResponseQueues, RESPONSE_POLL_QUEUE, startResponseJobs, type ResponseJobs } from "@/lib/responses/jobs";
import { startRelayWorkerLoop } from "@/lib/transfers/queue/workers";

export const RELAY_QUEUE = "relay";
export const RETENTION_QUEUE = "staging-retention";
/** Hourly, off the full hour. */
const RETENTION_CRON = "17 * * * *";
/** The queues whose pg-boss workers this process runs (with concurrency > 0): stopped fetching on SIGTERM. */
const FETCHED_QUEUES = [RETENTION_QUEUE, RESPONSE_POLL_QUEUE, DATABASE_MAINTENANCE_QUEUE, ...NOTIFICATION_QUEUES];
/** pg-boss retries beyond the attempt budget, for runs that never reached an attempt (crash, busy). */
const EXTRA_JOB_RETRIES = 3;

export interface RelayRuntime extends RelayQueue {
  readonly boss: PgBoss;
  readonly config: RelayConfig;
  /** Email and webhook fan-out, mail retries and the daily summary, on the same pg-boss. */
  readonly notifications: NotificationWorkers;
  /** Payer-response polls and their scheduler, on the same pg-boss. */
  readonly responses: ResponseJobs;
  /** Find dead workers' jobs and transfers without a job (runs on a timer; exposed for tests). */
  sweep(): Promise<void>;
  /** Queue a staging-retention run now (the cron queues one every hour). */
  runRetentionNow(): Promise<void>;
  /** Queues the embedded database's VACUUM (ANALYZE) now; false where this process runs none (PostgreSQL, or no workers). */
  runDatabaseMaintenanceNow(): Promise<boolean>;
  /**
   * Take no new work from here on (SIGTERM): the relay fetch loop, the payer-response scheduler and
   * pg-boss's workers stop fetching; what runs carries on until `stop`.
   */
  stopFetching(): void;
  /**
   * Stop fetching, wait up to graceMs for running attempts, hand back those still running (each
   * ends as interrupted and goes back to the queue for any worker), stop pg-boss. Leaves the database open.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export interface StartRelayOptions {
  handle: DatabaseHandle;
  /** Required on PostgreSQL: pg-boss opens its own pool. */
  databaseUrl?: string;
  config?: RelayConfig;
}

/**
 * The relay queue and its workers in this process: the portal runs one (the only one on the
 * embedded database), `npm run worker` runs more against PostgreSQL. The runtime (lib/runtime/start.ts)
 * starts it and makes it its `relayQueue` and (its `notifications`) its `notificationQueue`; relay
 * attempts run on the runtime's protocol worker threads.
 */
export async function startRelayRuntime(options: StartRelayOptions): Promise<RelayRuntime> {
  const { handle } = options;
  const relayWorker = systemActor("relay-worker");
  const config = options.config ?? relayConfigFromEnv();
  const boss = createBoss(handle, { databaseUrl: options.databaseUrl, poolSize: config.concurrency + 3 });
  boss.on("error", (error: unknown) => logger.error("relay queue error", { error }));
  const jobOptions: PgBoss.Queue = {
    name: RELAY_QUEUE,
    // stately: at most one waiting, one retrying and one running job per transfer (singletonKey).
    policy: "stately",
    retryLimit: config.maxAttempts - 1 + EXTRA_JOB_RETRIES,
    // pg-boss backoff: the n-th retry waits base·2ⁿ⁻¹ plus up to as much again at random (jitter).
    retryDelay: config.retryBaseSeconds,
    retryBackoff: true,
    expireInSeconds: jobExpireSeconds(config),
  };
  await oneAtATime(handle, async () => {
    await boss.start();
    await boss.createQueue(RELAY_QUEUE, jobOptions);
    await boss.updateQueue(RELAY_QUEUE, jobOptions);
    await boss.createQueue(RETENTION_QUEUE, { name: RETENTION_QUEUE, policy: "singleton", retryLimit: 1, expireInSeconds: 3600 });
    await boss.schedule(RETENTION_QUEUE, RETENTION_CRON);
    await createNotificationQueues(boss);
    await createResponseQueues(boss);
    await createDatabaseMaintenanceQueue(boss, handle);
  });
  const notifications = await startNotificationWorkers(boss, { work: config.concurrency > 0, pollSeconds: config.pollSeconds });
  const responses = await startResponseJobs(boss, { work: config.concurrency > 0, pollSeconds: config.pollSeconds, slots: Math.max(1, Math.min(2, config.concurrency)) });

  // The embedded database has one owner, this process: whatever was "sending" or active when it
  // last stopped was interrupted, and resumes now instead of waiting for the lease to run out.
  if (handle.kind === "pglite" && config.concurrency > 0) {
    const resumed = await requeueInterruptedSends(relayWorker);
    await releaseOrphanedJobs(relayWorker, RELAY_QUEUE, 0);
    if (resumed.length) logger.info("relay resumes interrupted transfers", { count: resumed.length });
  }

  // This process's relay slots, filled fairly across destinations and organisations.
  const workers = config.concurrency > 0
    ? startRelayWorkerLoop({
        system: relayWorker,
        boss,
        queue: RELAY_QUEUE,
        slots: config.concurrency,
        pollSeconds: config.pollSeconds,
        run: async (job, handBack) => {
          const outcome = await runRelayJob(relayWorker, config, job.data as RelayJobData, { retryCount: job.retryCount, retryLimit: job.retryLimit }, handBack);
          // The outbox row was committed with the status; this only makes the emails and webhooks prompt.
          if (outcome.status === "delivered" || outcome.status === "needs_attention" || outcome.status === "failed") {
            await notifications.kick().catch((error: unknown) => logger.warn("notification dispatch could not be queued", { error }));
          }
          return outcome;
        },
      })
    : undefined;
  const wakeWorkers = () => workers?.wake();

  // In a use case's transaction the job commits with it, and the use case wakes the workers after the commit.
  const enqueue = async (transferId: string, tx?: Transaction) => {
    const created = await queueRelayJob(relayWorker, { boss, queue: RELAY_QUEUE, options: jobOptions }, transferId, tx);
    if (created && !tx) wakeWorkers();
  };

  // concurrency 0: a producer only (it enqueues; other processes work).
  const retentionWorker = config.concurrency > 0
    ? await boss.work(RETENTION_QUEUE, { pollingIntervalSeconds: 30 }, async () => {
        // Uploads left unfinished end first (row failed, bytes and tus metadata removed): they stop counting against the quota.
        const expiredUploads = await removeExpiredUnfinishedUploads(systemActor("retention"), { maxHours: env().UNFINISHED_UPLOAD_HOURS, retentionDays: config.retentionDays });
        const removed = await removeExpiredStagedFiles(systemActor("retention"), { retentionDays: config.retentionDays, deliveredGraceHours: config.deliveredGraceHours });
        // Payer files are kept as long as uploads are (the staging retention period), then their bytes go.
        const responseFiles = await removeExpiredResponseFiles(systemActor("retention"), { retentionDays: config.retentionDays });
        // Payer files a stopped pickup wrote but never recorded: unreadable (their key died with it), holding disk.
        const orphanedResponseFiles = await removeOrphanedResponseFiles(systemActor("retention"));
        return { removed: removed.length, expiredUploads: expiredUploads.length, responseFiles: responseFiles.length, orphanedResponseFiles: orphanedResponseFiles.length };
      })
    : undefined;
  // The embedded database's nightly VACUUM (ANALYZE): it has no autovacuum (lib/database-maintenance).
  const maintenanceWorker = config.concurrency > 0 ? await startDatabaseMaintenanceWorker(boss, handle) : undefined;

  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    sweeping ??= (async () => {
      try {
        const released = await releaseOrphanedJobs(relayWorker, RELAY_QUEUE, config.leaseSeconds);
        if (released.length) logger.warn("relay jobs of a stopped worker resume", { transferIds: released });
        for (const transferId of await transfersWithoutJob(relayWorker, RELAY_QUEUE, config.leaseSeconds)) await enqueue(transferId);
        if (released.length) wakeWorkers();
      } catch (error) {
        logger.error("relay sweep failed", { error });
      } finally {
        sweeping = undefined;
      }
    })();
    return sweeping;
  };
  // Half a lease: a dead worker's transfer resumes between one and one and a half leases later.
  const sweepTimer = config.concurrency > 0 ? setInterval(() => void sweep(), Math.max(1000, (config.leaseSeconds * 1000) / 2)) : undefined;
  sweepTimer?.unref();
  if (sweepTimer) void sweep();

  let stopped = false;
  let fetchingStopped = false;
  const runtime: RelayRuntime = {
    boss,
    config,
    notifications,
    responses,
    pollResponsesNow: responses.pollNow,
    enqueue,
    wake: wakeWorkers,
    sweep,
    stopFetching() {
      if (fetchingStopped) return;
      fetchingStopped = true;
      clearInterval(sweepTimer);
      workers?.stopFetching();
      void responses.stop();
      // pg-boss's own workers (notifications, webhooks, mail retries, summaries, retention, response
      // polls) finish the job in hand and fetch no more.
      for (const queue of FETCHED_QUEUES) void boss.offWork(queue).catch(() => undefined);
    },
    async runRetentionNow() {
      await boss.send(RETENTION_QUEUE, {});
      if (retentionWorker) boss.notifyWorker(retentionWorker);
    },
    async runDatabaseMaintenanceNow() {
      if (!maintenanceWorker) return false;
      await boss.send(DATABASE_MAINTENANCE_QUEUE, {});
      boss.notifyWorker(maintenanceWorker);
      return true;
    },
    async stop({ graceMs = 10_000 } = {}) {
      if (stopped) return;
      stopped = true;
      clearInterval(sweepTimer);
      await sweeping;
      await responses.stop();
      // Attempts still running after graceMs are handed back: aborted, recorded as interrupted and
      // queued again (their upload resumes from the remote temp file on whichever worker takes them).
      // One this process cannot record in time is taken over when its lease runs out.
      await workers?.stop(graceMs);
      await boss.stop({ graceful: true, wait: true, timeout: graceMs, close: true });
    },
  };
  return runtime;
}



/**
 * pg-boss 10 creates each queue as a partition of its job table; processes creating queues at the
 * same moment deadlock in PostgreSQL. Starting processes take turns under a transaction-level
 * advisory lock (the embedded database has only one process anyway).
 */
async function oneAtATime(handle: DatabaseHandle, setup: () => Promise<void>): Promise<void> {
  if (handle.kind !== "postgres") return setup();
  // One connection holds the lock in its transaction while pg-boss sets up on its own pool.
  const client = await handle.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext('edi-portal.relay-queue.setup'))");
    await setup();
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
