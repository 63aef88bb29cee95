// @ts-check
/**
 * The embedded database server: PGlite (PostgreSQL compiled to WebAssembly) in a process of its
 * own, speaking the PostgreSQL wire protocol on a Unix socket that only this user can reach.
 *
 * Forked by db/embedded/launch.ts with an IPC channel and no environment (no secret ever reaches
 * it). The WebAssembly heap (about 140 MB) lives here rather than in the portal, whose memory then
 * holds only the web tier and the relays, as with a PostgreSQL server.
 *
 * Lifetime follows the portal: when the IPC channel closes (the portal stopped, or died) the
 * database is closed cleanly and the process exits. A signal (Ctrl-C in a terminal reaches the
 * whole process group) waits for that, up to a grace period, so the portal finishes its own
 * shutdown first.
 *
 * argv[2]: JSON { socketDir, dataDir?, idleInTransactionMs?, lockWaitMs?, initOnly? }; no data
 * directory means an in-memory database; initOnly creates the cluster in dataDir and exits.
 */
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { createMultiplexer } from "./multiplexer.mjs";
import { acquireDataDirLock } from "./data-dir-lock.mjs";

/** Clients find the socket file from host (a directory) and port: `<dir>/.s.PGSQL.<port>`. */
const SOCKET_PORT = 5432;
/** PostgreSQL's 128 MB default lives inside the WebAssembly heap, which never shrinks; the OS file cache serves the rest. */
const SHARED_BUFFERS = "16MB";
const PORTAL_SHUTDOWN_GRACE_MS = 15_000;

/** @param {Record<string, unknown>} message */
function report(message) {
  if (process.send) process.send(message);
}

async function main() {
  if (!process.send) throw new Error("The embedded database server is started by the portal (it needs an IPC channel).");
  /** @type {{ socketDir: string, dataDir?: string, idleInTransactionMs?: number, lockWaitMs?: number, initOnly?: boolean }} */
  const { socketDir, dataDir, idleInTransactionMs, lockWaitMs, initOnly } = JSON.parse(process.argv[2] ?? "{}");
  if (!socketDir) throw new Error("No socket directory given.");

  let releaseLock = () => {};
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    releaseLock = await acquireDataDirLock(dataDir, lockWaitMs);
  }
  // Options go in the one-argument form: with an undefined data directory the two-argument form ignores them.
  const db = new PGlite({ dataDir: dataDir || undefined, extensions: { pg_trgm }, postgresqlconf: [`shared_buffers = ${SHARED_BUFFERS}`] });
  await db.waitReady;
  if (initOnly) {
    await db.close();
    releaseLock();
    process.send({ ready: true }, () => process.exit(0));
    return;
  }

  const multiplexer = createMultiplexer(db, {
    idleInTransactionMs,
    log: (line) => console.error(`[embedded database] ${line}`),
  });
  const socketPath = path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`);
  fs.rmSync(socketPath, { force: true });
  await new Promise((resolve, reject) => {
    multiplexer.server.once("error", reject);
    multiplexer.server.listen(socketPath, () => resolve(undefined));
  });
  fs.chmodSync(socketPath, 0o600);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await multiplexer.close();
      await db.close();
    } finally {
      fs.rmSync(socketPath, { force: true });
      // The portal made this directory for us; if the portal died first, nobody else removes it.
      fs.rmSync(socketDir, { recursive: true, force: true });
      releaseLock();
      process.exit(0);
    }
  };
  process.on("disconnect", () => void stop());
  process.on("message", (message) => {
    if (message && typeof message === "object" && "stop" in message) void stop();
  });
  // A service manager stops the whole process group at once: give the portal time to finish with
  // the database (it disconnects when done) before closing it under the portal's feet.
  const stopSoon = () => {
    if (!process.connected) return void stop();
    setTimeout(() => void stop(), PORTAL_SHUTDOWN_GRACE_MS).unref();
  };
  process.on("SIGTERM", stopSoon);
  process.on("SIGINT", stopSoon);
  process.on("SIGHUP", stopSoon);
  report({ ready: true, socketPath });
}

main().catch((error) => {
  const text = error instanceof Error ? error.message : String(error);
  console.error(`[embedded database] could not start: ${text}`);
  // Exit once the reason is on its way: the portal tells a held data directory (which it must not
  // take over) from a failure worth another try by the code.
  const code = /** @type {NodeJS.ErrnoException} */ (error)?.code;
  if (process.send && process.connected) process.send({ error: text, code }, () => process.exit(1));
  else process.exit(1);
});
