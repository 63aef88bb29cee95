import { missingDatabase, openDatabase, pgliteDirFor, type DatabaseHandle, type OpenOptions } from "@/db/client";
import { applyMigrations } from "@/db/migrate";
import { env, type Env } from "@/lib/env";
import { createDatabaseStatus } from "@/lib/health/database-status";
import { logger } from "@/lib/logger";
import { createEventLoopDelayMonitor } from "@/lib/monitoring/event-loop-delay";
import { createLifecycle } from "@/lib/runtime/lifecycle";
import { deferredNotifications } from "@/lib/notifications/queue";
import { installedRuntime, installRuntime, runtimeCell, type Runtime, type RuntimeRole } from "@/lib/runtime";
import type { DemoSandbox } from "@/lib/sandbox/demo";
import { relayConfigFromEnv, type RelayConfig } from "@/lib/transfers/queue/config";
import { noRelayQueue } from "@/lib/transfers/queue/queue";
import type { RelayRuntime } from "@/lib/transfers/queue/runtime";
import { createVault } from "@/lib/vault/runtime";
import type { WorkerPools } from "@/lib/workers/registry";
import { createWorkerPools, stopWorkerPools } from "@/lib/workers/start";

/**
 * Where the runtime's database comes from. By default it opens the configured one (DATABASE_URL,
 * else the embedded database in DATA_DIR) and closes it when it stops.
 */
export type RuntimeDatabase =
  /** Open with these options (supervised when embedded), and close it on stop. */
  | { open: Omit<OpenOptions, "onAvailability" | "log"> }
  /** An open database that stays the caller's to close (a test's throw-away database). */
  | { use: DatabaseHandle }
  /** No database (unit tests): any use throws this message. */
  | { none: string };

export interface RuntimeOptions {
  role: RuntimeRole;
  /** The configuration; env() by default, read when needed (the test set-up starts before a test file sets its environment). */
  config?: Env;
  database?: RuntimeDatabase;
  /** Apply the committed migrations first (the portal). */
  migrate?: boolean;
  /**
   * Runs once the runtime is installed, before the job queues and the demo payers start: first-start
   * rows (the portal's first admin and demo users, which the demo sandbox needs) or a check (the
   * worker's "is the portal's schema there").
   */
  prepare?: (database: DatabaseHandle) => Promise<void>;
  /**
   * Run the job queues (pg-boss): the relay queue and, when `config.concurrency` > 0, its workers,
   * and the email and webhook jobs. Without them the runtime's relay queue refuses to queue and its
   * notification queue leaves notifications to the scheduled dispatcher of a process that runs them.
   */
  queues?: {
    /** Default: RELAY_* from the environment. */
    config?: RelayConfig;
    /** PostgreSQL for pg-boss's own pool; default: the URL the runtime opened. */
    databaseUrl?: string;
  };
  /** Share these pools (the test set-up's); by default the runtime creates its own and stops them. */
  workers?: WorkerPools;
  /** Start the demo payers (DEMO=true). */
  demoSandbox?: boolean;
}

function configuredDatabase(config: Env): OpenOptions {
  return { databaseUrl: config.DATABASE_URL, pgliteDir: config.DATABASE_URL ? undefined : pgliteDirFor(config.DATA_DIR) };
}

/**
 * Builds this process's runtime and installs it (lib/runtime: `runtime()`), in this order:
 *
 *   1. database status, event-loop monitor (not sampling yet), vault
 *   2. the database (opened, its availability reported to the status), migrations
 *   3. the worker pools (threads start on first use)
 *   4. installed: from here `runtime()`, getDb() and the services work, in this bundle and Next's
 *   5. `prepare` (first-start rows, checks)
 *   6. the job queues (their handlers already find the runtime)
 *   7. the demo payers (their accounts' secrets go through the vault and the database)
 *
 * `stop()` undoes it in reverse; if a step fails, what had started is stopped and the error thrown.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const config = () => options.config ?? env();
  const databaseStatus = createDatabaseStatus();
  const eventLoop = createEventLoopDelayMonitor();
  const vault = createVault(() => config().DATA_DIR);
  const lifecycle = createLifecycle();
  const closers: (() => Promise<void>)[] = [];

  const source = options.database ?? { open: configuredDatabase(config()) };
  let database: DatabaseHandle;
  if ("open" in source) {
    database = await openDatabase({ ...source.open, onAvailability: (change) => databaseStatus.record(change), log: logger });
  } else if ("use" in source) {
    database = source.use;
  } else {
    database = missingDatabase(source.none);
  }
  const ownsDatabase = "open" in source;

  const previous = installedRuntime();
  let workers: WorkerPools | undefined;
  let relay: RelayRuntime | undefined;
  let sandbox: DemoSandbox | undefined;
  let installed: Runtime | undefined;
  const withoutQueues = {
    relay: noRelayQueue(options.queues ? `the ${options.role}'s job queues are not started yet` : `a ${options.role} runtime runs no job queues`),
    notifications: deferredNotifications(options.role),
  };

  let stopping: Promise<void> | undefined;
  const stop = ({ graceMs }: { graceMs?: number } = {}) =>
    (stopping ??= (async () => {
      // Nothing new is taken from here on (readiness answers 503, the relay fetch stops).
      lifecycle.drain();
      await sandbox?.close();
      // Stops fetching, waits up to graceMs for relays in flight (they need the pools and the database), stops pg-boss.
      await relay?.stop({ graceMs });
      if (workers && workers !== options.workers) await stopWorkerPools(workers);
      eventLoop.stop();
      for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => logger.warn("a runtime part did not close cleanly", { error }));
      // Leaves the slot (to whoever had it before: a test's outer runtime) unless another took it since.
      if (installed && installedRuntime() === installed) installRuntime(previous);
      if (ownsDatabase) await database.raw.close();
    })());

  try {
    if (options.migrate) await applyMigrations(database);

    const relayConfig = options.queues ? (options.queues.config ?? relayConfigFromEnv()) : undefined;
    workers = options.workers ?? createWorkerPools({ relayConcurrency: relayConfig?.concurrency ?? config().RELAY_CONCURRENCY });
    const pools = workers;

    installed = {
      role: options.role,
      database,
      databaseStatus,
      vault,
      workers: pools,
      get relayQueue() {
        return relay ?? withoutQueues.relay;
      },
      get notificationQueue() {
        return relay?.notifications ?? withoutQueues.notifications;
      },
      tus: runtimeCell(),
      get sandbox() {
        return sandbox;
      },
      eventLoop,
      lifecycle,
      atStop: (close) => void closers.push(close),
      stop,
    };
    installRuntime(installed);

    await options.prepare?.(database);
    if (options.queues) {
      const databaseUrl = options.queues.databaseUrl ?? ("open" in source ? source.open.databaseUrl : undefined);
      // Loaded only when asked for: a runtime without queues or payers (the tests' set-up) keeps
      // the delivery and sandbox modules unloaded, so a test file can still mock what they use.
      const { startRelayRuntime } = await import("@/lib/transfers/queue/runtime");
      relay = await startRelayRuntime({ handle: database, databaseUrl, config: relayConfig });
      // On SIGTERM this process stops fetching relay jobs and payer-response polls at once; what it
      // runs finishes (or is handed back) when the runtime stops.
      const started = relay;
      lifecycle.onDrain(() => started.stopFetching());
    }
    if (options.demoSandbox) {
      const { startDemoSandbox } = await import("@/lib/sandbox/demo");
      const { answerSandboxSubmissionOffThread } = await import("@/lib/workers/calls");
      // The sandbox payers answer on a protocol thread: reading a 20 MB 837 in this process's event
      // loop stalled every page for seconds (15 s measured in the browser tests).
      sandbox = await startDemoSandbox(database, config().DATA_DIR, { answerSubmission: answerSandboxSubmissionOffThread });
    }
  } catch (error) {
    await stop().catch((stopError: unknown) => logger.error("the runtime could not stop after a failed start", { error: stopError }));
    throw error;
  }
  return installed;
}
