/**
 * `npm run worker`: extra relay workers next to the portal, on PostgreSQL only. The embedded
 * database has a single owner — the portal process — which runs its relay workers itself.
 * Workers need the portal's DATA_DIR (staged files) and vault master key (PORTAL_MASTER_KEY or the
 * key file in DATA_DIR); any number may run: a transfer is only ever sent by the worker that claimed it.
 */
import { env } from "../lib/env";
import { logger } from "../lib/logger";
import { startRuntime } from "../lib/runtime/start";

async function main(): Promise<void> {
  const config = env();
  if (!config.DATABASE_URL) {
    console.error("npm run worker needs PostgreSQL (DATABASE_URL): on the embedded database the portal process runs the relay workers itself.");
    process.exit(2);
  }
  // The database, the worker threads, the vault and the relay queue with this process's relay
  // workers (RELAY_CONCURRENCY): lib/runtime/start.ts, as for the portal.
  const runtime = await startRuntime({
    role: "worker",
    config,
    queues: {},
    prepare: async (database) => {
      const { rows } = await database.raw.query<{ name: string | null }>("SELECT to_regclass('public.transfers')::text AS name");
      if (!rows[0]?.name) {
        console.error("The database has no portal schema yet: start the portal once (it applies the migrations), then the workers.");
        process.exit(1);
      }
    },
  });
  // No page shows a worker's figures; it logs a warning when something blocks its loop for over a second.
  runtime.eventLoop.start();
  console.log(`relay worker ready (pid ${process.pid}, ${config.RELAY_CONCURRENCY} concurrent relays)`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("relay worker stopping", { signal });
    // Stops fetching at once; relays in flight get SHUTDOWN_GRACE_SECONDS to finish, then are handed back.
    await runtime.stop({ graceMs: config.SHUTDOWN_GRACE_SECONDS * 1000 }).catch((error: unknown) => logger.error("relay worker stop failed", { error }));
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`The relay worker could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
