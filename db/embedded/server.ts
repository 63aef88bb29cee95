/**
 * The embedded database server: PGlite (PostgreSQL compiled to WebAssembly) in a process of its
 * own, speaking the PostgreSQL wire protocol on a Unix socket that only this user can reach.
 *
 * Forked by db/embedded/launch.ts with an IPC channel and no environment (no secret ever reaches
 * it): under tsx from the checkout (development, tests), or compiled by scripts/bundle-server.mjs
 * next to the production server. The WebAssembly heap (about 140 MB) lives here rather than in
 * the portal, whose memory then holds only the web tier and the relays, as with a PostgreSQL server.
 *
 * Lifetime follows the portal: when the IPC channel closes (the portal stopped, or died) the
 * database is closed cleanly and the process exits, removing the socket directory the portal made
 * for it. A signal (Ctrl-C in a terminal reaches the whole process group) waits for that, up to a
 * grace period, so the portal finishes its own shutdown first. A stop asked for while the database
 * is still opening takes effect once it is open: a data directory is never abandoned half-opened.
 *
 * argv[2]: the JSON ServerConfig of db/embedded/ipc.ts; no data directory means an in-memory
 * database (started from `image` when given); initOnly creates the cluster in dataDir and exits.
 */
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { acquireDataDirLock } from "@/db/embedded/data-dir-lock";
import { parseServerConfig, SOCKET_PORT, type ServerConfig, type ServerMessage } from "@/db/embedded/ipc";
import { createMultiplexer, type Multiplexer } from "@/db/embedded/multiplexer";

/** PostgreSQL's 128 MB default lives inside the WebAssembly heap, which never shrinks; the OS file cache serves the rest. */
const SHARED_BUFFERS = "16MB";
const PORTAL_SHUTDOWN_GRACE_MS = 15_000;

/** Sends to the portal if it is still there, then calls `then` (also when it is not). */
function send(message: ServerMessage, then?: () => void): void {
  if (!process.send || !process.connected) return then?.();
  process.send(message, undefined, undefined, () => then?.());
}

/*
 * Stop requests are listened for from the first moment: a portal that dies while the database
 * opens (seconds, for WebAssembly) must not be missed, or the server would outlive it.
 */
let stopRequested = false;
let stopRunning: (() => void) | undefined;
function requestStop(): void {
  stopRequested = true;
  stopRunning?.();
}
process.on("disconnect", requestStop);
process.on("message", (message: unknown) => {
  if (message && typeof message === "object" && "stop" in message) requestStop();
});
// A service manager stops the whole process group at once: give the portal time to finish with
// the database (it disconnects when done) before closing it under the portal's feet.
function stopSoon(): void {
  if (!process.connected) return requestStop();
  setTimeout(requestStop, PORTAL_SHUTDOWN_GRACE_MS).unref();
}
process.on("SIGTERM", stopSoon);
process.on("SIGINT", stopSoon);
process.on("SIGHUP", stopSoon);

/** The portal made the socket directory for us; once it is gone, nobody else removes it. */
function removeSocketDir(config: ServerConfig): void {
  fs.rmSync(path.join(config.socketDir, `.s.PGSQL.${SOCKET_PORT}`), { force: true });
  fs.rmSync(config.socketDir, { recursive: true, force: true });
}

let releaseLock = (): void => {};

async function main(config: ServerConfig): Promise<void> {
  const { socketDir, dataDir, idleInTransactionMs, lockWaitMs, initOnly } = config;
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    releaseLock = await acquireDataDirLock(dataDir, lockWaitMs);
  }
  // Options go in the one-argument form: with an undefined data directory the two-argument form ignores them.
  if (dataDir && config.image) throw new Error("An image starts an in-memory database only, not one in a data directory.");
  // Restoring an image skips initdb, which is most of an in-memory database's 2 s start.
  const loadDataDir = config.image ? new Blob([await fs.promises.readFile(config.image)]) : undefined;
  const db = new PGlite({ dataDir, loadDataDir, extensions: { pg_trgm }, postgresqlconf: [`shared_buffers = ${SHARED_BUFFERS}`] });
  await db.waitReady;
  if (initOnly) {
    await db.close();
    releaseLock();
    if (!process.connected) removeSocketDir(config);
    send({ ready: true }, () => process.exit(0));
    return;
  }

  const multiplexer: Multiplexer = createMultiplexer(db, {
    idleInTransactionMs,
    log: (line) => console.error(`[embedded database] ${line}`),
  });
  const socketPath = path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`);
  fs.rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    multiplexer.server.once("error", reject);
    multiplexer.server.listen(socketPath, () => resolve());
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
      removeSocketDir(config);
      releaseLock();
      process.exit(0);
    }
  };
  stopRunning = () => void stop();
  if (stopRequested) return stop();
  send({ ready: true, socketPath });
}

function fail(error: unknown, config: ServerConfig | undefined): void {
  const text = error instanceof Error ? error.message : String(error);
  console.error(`[embedded database] could not start: ${text}`);
  releaseLock();
  // A portal still there removes the directory itself (or keeps it for a restart); a gone one cannot.
  if (config && !process.connected) removeSocketDir(config);
  // Exit once the reason is on its way: the portal tells a held data directory (which it must not
  // take over) from a failure worth another try by the code.
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  send({ error: text, code: typeof code === "string" ? code : undefined }, () => process.exit(1));
}

let config: ServerConfig | undefined;
try {
  if (!process.send) throw new Error("The embedded database server is started by the portal (it needs an IPC channel).");
  config = parseServerConfig(process.argv[2]);
  main(config).catch((error: unknown) => fail(error, config));
} catch (error) {
  fail(error, config);
}
