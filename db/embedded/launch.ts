import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { DATA_DIR_LOCKED } from "@/db/embedded/data-dir-lock";
import { SOCKET_DIR_PREFIX, SOCKET_PORT, type ServerConfig } from "@/db/embedded/ipc";

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

/** Set by scripts/bundle-server.mjs: the compiled database server next to the compiled portal server. */
declare const __PORTAL_DATABASE_BUNDLE__: string | undefined;

export interface EmbeddedDatabaseServer {
  /**
   * node-postgres connection settings for the server's Unix socket. A restarted server listens on
   * the same socket; should its directory have gone, `host` changes in this object (see `onRestarted`).
   */
  connection: { host: string; port: number; user: string; database: string };
  /** The process serving now (a restart changes it). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** How a supervised server is restarted after it dies. */
export interface RestartPolicy {
  /** At most this many restarts within `windowMs`; one more death and the server stays down. */
  maxRestarts: number;
  windowMs: number;
  /** Wait before the first restart; doubled for each restart still within the window. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** How long a restart waits for a live holder of the data directory's lock before giving up. */
  lockWaitMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 5 * 60_000,
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
  lockWaitMs: 2_000,
};

export interface SupervisionHooks {
  policy?: Partial<RestartPolicy>;
  /** The server died; a restart is scheduled (after `backoffMs`). */
  onDown?(event: { detail: string; backoffMs: number }): void;
  /** A restart attempt failed; another one is scheduled (after `backoffMs`). */
  onRestartFailed?(event: { error: string; backoffMs: number }): void;
  /** A restarted server accepts connections again (`restarts` counts every successful restart). */
  onRestarted?(event: { pid: number; restarts: number; connection: EmbeddedDatabaseServer["connection"] }): void;
}

export interface LaunchOptions {
  /** The PGlite data directory; omit for an in-memory database (tests). */
  dataDir?: string;
  /** An in-memory database only: the data-directory image (dumpDataDir's tar file) it starts from. */
  image?: string;
  /**
   * Called once the database is gone for good: it ended without being asked to and is not
   * supervised, or supervision gave up (too many restarts, or another live process holds the data
   * directory). The caller cannot go on without it.
   */
  onUnexpectedExit?: (detail: string) => void;
  /**
   * Restart the server when it dies, on the same socket. Only with a data directory: a restarted
   * in-memory database would be empty.
   */
  supervise?: SupervisionHooks;
  /** PostgreSQL's idle_in_transaction_session_timeout, enforced by the server (default 60 s). */
  idleInTransactionMs?: number;
  /** How long to wait for a previous owner of the data directory to finish closing (default 20 s). */
  lockWaitMs?: number;
}

/**
 * How to run db/embedded/server.ts: compiled next to the production server bundle, or under tsx
 * from the checkout (development, tests), exactly as lib/workers/start.ts runs its threads.
 */
function serverCommand(): { script: string; execArgv: string[] } {
  // Not the parent's flags: a TypeScript loader or test runner hooks have no business there.
  const execArgv = ["--max-semi-space-size=2"];
  if (typeof __PORTAL_DATABASE_BUNDLE__ !== "undefined") {
    return { script: path.join(/* turbopackIgnore: true */ __dirname, __PORTAL_DATABASE_BUNDLE__), execArgv };
  }
  // Resolved from the checkout at run time: the Next.js build must not try to follow it.
  const root = process.cwd();
  const requireFromRoot = createRequire(path.join(/* turbopackIgnore: true */ root, "package.json"));
  return {
    script: path.join(/* turbopackIgnore: true */ root, "db", "embedded", "server.ts"),
    // tsx's CommonJS hook only: no loader thread in a process that holds a 140 MB heap already.
    execArgv: [...execArgv, "--require", requireFromRoot.resolve("tsx/cjs")],
  };
}

/** An error that says another live process owns the data directory (db/embedded/data-dir-lock.ts). */
export function isDataDirLocked(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === DATA_DIR_LOCKED;
}

/**
 * Starts the embedded database server (db/embedded/server.ts) as a child process and waits until it
 * accepts connections. The socket lives in a fresh private directory (mode 0700), so no other user
 * of the machine can connect, and the child gets no environment, so no secret reaches it.
 *
 * With `supervise`, a server that dies is started again in the same socket directory, after a
 * backoff that doubles (0.5 s, 1 s, 2 s, …) and up to `maxRestarts` times in `windowMs`. The dead
 * server's lock on the data directory names a process that is gone, so the new one takes it over;
 * a lock held by a live process is never taken, and ends the supervision like the limit does.
 */
export async function launchEmbeddedDatabase(options: LaunchOptions = {}): Promise<EmbeddedDatabaseServer> {
  await removeStaleSocketDirs();
  const config: ServerConfig = {
    socketDir: makeSocketDir(),
    dataDir: options.dataDir ? path.resolve(/* turbopackIgnore: true */ options.dataDir) : undefined,
    image: options.image,
    idleInTransactionMs: options.idleInTransactionMs,
    lockWaitMs: options.lockWaitMs,
  };
  const connection = { host: config.socketDir, port: SOCKET_PORT, user: "postgres", database: "postgres" };
  const removeSocketDir = () => fs.rmSync(config.socketDir, { recursive: true, force: true });
  if (config.dataDir && !fs.existsSync(path.join(config.dataDir, "PG_VERSION"))) {
    // Creating the cluster (initdb inside WebAssembly) takes the heap to about 700 MB, and a
    // WebAssembly heap never shrinks: a first process creates it and exits, the server opens it.
    try {
      await initialiseDataDir(config);
    } catch (error) {
      removeSocketDir();
      throw error;
    }
  }

  const supervision = options.supervise && config.dataDir ? options.supervise : undefined;
  const policy: RestartPolicy = { ...DEFAULT_RESTART_POLICY, ...supervision?.policy };

  let current = startServer(config);
  let stopping = false;
  let gaveUp = false;
  let restarts = 0;
  /** When each restart in the current window began. */
  let attempts: number[] = [];
  /** How the last running server ended, for the message when supervision gives up. */
  let death = "";
  let backoffTimer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;

  try {
    await current.ready;
  } catch (error) {
    await current.kill();
    removeSocketDir();
    throw error;
  }

  const giveUp = (reason: string) => {
    if (gaveUp || stopping) return;
    gaveUp = true;
    removeSocketDir();
    options.onUnexpectedExit?.(reason);
  };

  /** Schedules the next restart, or gives up when the window's budget is spent. */
  const scheduleRestart = (lastError: string, report: (backoffMs: number) => void) => {
    const now = Date.now();
    attempts = attempts.filter((at) => now - at < policy.windowMs);
    if (attempts.length >= policy.maxRestarts) {
      if (policy.maxRestarts === 0) return giveUp(`it stopped unexpectedly (${death}), and restarts are switched off`);
      const times = `${policy.maxRestarts} restart${policy.maxRestarts === 1 ? "" : "s"}`;
      const last = lastError === death ? "" : ` (the last: ${lastError})`;
      giveUp(`it stopped unexpectedly (${death}) after ${times} within ${formatDuration(policy.windowMs)}${last}, and is not restarted again`);
      return;
    }
    const backoffMs = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** attempts.length);
    attempts.push(now + backoffMs);
    report(backoffMs);
    backoffTimer = setTimeout(() => {
      backoffTimer = undefined;
      restarting = restart().finally(() => (restarting = undefined));
    }, backoffMs);
  };

  const restart = async () => {
    if (stopping) return;
    if (!socketDirIsOurs(config.socketDir)) {
      // The old server removed it on its way out (it was stopped by a signal of its own): a new one.
      config.socketDir = makeSocketDir();
      connection.host = config.socketDir;
    }
    const next = startServer({ ...config, lockWaitMs: policy.lockWaitMs });
    current = next;
    try {
      await next.ready;
    } catch (error) {
      await next.kill();
      if (stopping) return;
      const message = error instanceof Error ? error.message : String(error);
      if (isDataDirLocked(error)) {
        const why = message.replace(/^The embedded database could not start: /, "");
        return giveUp(`it stopped unexpectedly (${death}), and a restart must not take its data directory from another live process: ${why}`);
      }
      scheduleRestart(message, (backoffMs) => supervision?.onRestartFailed?.({ error: message, backoffMs }));
      return;
    }
    if (stopping) return;
    restarts += 1;
    watch(next);
    supervision?.onRestarted?.({ pid: next.child.pid!, restarts, connection: { ...connection } });
  };

  const watch = (server: RunningServer) => {
    void server.exited.then(({ code, signal }) => {
      if (stopping || server !== current) return;
      const detail = signal ? `signal ${signal}` : `exit code ${code}`;
      death = detail;
      if (!supervision) {
        removeSocketDir();
        options.onUnexpectedExit?.(`it stopped unexpectedly (${detail})`);
        return;
      }
      scheduleRestart(detail, (backoffMs) => supervision.onDown?.({ detail, backoffMs }));
    });
  };
  watch(current);

  let stopped: Promise<void> | undefined;
  return {
    connection,
    get pid() {
      return current.child.pid!;
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        clearTimeout(backoffTimer);
        // A restart under way finishes starting first: a server killed while it opens the data
        // directory would leave it as a crash does.
        await restarting;
        await current.stop();
        removeSocketDir();
      })();
      return stopped;
    },
  };
}

/** A private directory for the socket, named after this process so a later one can tell it is stale. */
function makeSocketDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${SOCKET_DIR_PREFIX}${process.pid}-`));
}

const SOCKET_DIR_NAME = new RegExp(`^${SOCKET_DIR_PREFIX}(\\d+)-[A-Za-z0-9]{6}$`);
/** Younger directories may belong to a process in another PID namespace that is still starting. */
const STALE_AFTER_MS = 10 * 60_000;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether a server answers on the socket in `dir` (a dead server's socket file refuses). */
function socketAnswers(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection(path.join(dir, `.s.PGSQL.${SOCKET_PORT}`));
    const done = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(1_000, () => done(true));
    socket.once("connect", () => done(true));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code !== "ECONNREFUSED" && error.code !== "ENOENT"));
  });
}

/**
 * Every stop removes the socket directory, the server's own included (when the portal dies, its
 * server notices and removes it). Only a SIGKILL of both at once leaves one behind: a whole process
 * group killed (Playwright's web server teardown, a service manager's last resort). The next launch
 * removes those: this user's, named after a process that is gone, unchanged for a while, and with
 * no server answering on the socket (a /tmp shared with another PID namespace stays safe).
 */
async function removeStaleSocketDirs(): Promise<void> {
  const tmp = os.tmpdir();
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(SOCKET_DIR_NAME.exec(name)?.[1] ?? 0);
    if (!pid || pid === process.pid || isRunning(pid)) continue;
    const dir = path.join(tmp, name);
    try {
      if (!socketDirIsOurs(dir) || Date.now() - fs.lstatSync(dir).mtimeMs < STALE_AFTER_MS) continue;
      if (await socketAnswers(dir)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Removed by someone else meanwhile, or not ours to remove.
    }
  }
}

function socketDirIsOurs(dir: string): boolean {
  try {
    const stat = fs.lstatSync(dir);
    return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o777) === 0o700;
  } catch {
    return false;
  }
}

function formatDuration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} minute${ms === 60_000 ? "" : "s"}` : `${Math.round(ms / 100) / 10} s`;
}

interface RunningServer {
  child: ChildProcess;
  /** Resolves when the server accepts connections; rejects if it stops or fails first. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Asks the server to close the database and exit (SIGKILL after STOP_TIMEOUT_MS). */
  stop(): Promise<void>;
  kill(): Promise<void>;
}

function startServer(config: ServerConfig): RunningServer {
  const child = forkServer(config);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  const ready = waitUntilReady(child);
  // Observed by the caller; a rejection nobody awaits yet must not crash the process.
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited,
    async stop() {
      if (!alive()) return void (await exited);
      // Closing the IPC channel is the stop signal; the server closes PGlite cleanly and exits.
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (alive()) child.kill("SIGKILL");
      await exited;
    },
  };
}

function forkServer(config: ServerConfig): ChildProcess {
  const { script, execArgv } = serverCommand();
  return fork(script, [JSON.stringify(config)], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "json",
  });
}

async function initialiseDataDir(config: ServerConfig): Promise<void> {
  const child = forkServer({ ...config, initOnly: true });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await waitUntilReady(child);
  } catch (error) {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
    throw error;
  }
  const code = await exited;
  if (code !== 0) throw new Error(`The embedded database could not be created in ${config.dataDir} (exit code ${code}).`);
}

function waitUntilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`The embedded database did not start within ${START_TIMEOUT_MS / 1000} s.`)), START_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      child.off("error", fail);
    };
    function fail(error: Error) {
      cleanup();
      reject(error);
    }
    function onMessage(message: unknown) {
      if (!message || typeof message !== "object") return;
      if ("error" in message) {
        const error = new Error(`The embedded database could not start: ${String(message.error)}`);
        if ("code" in message && typeof message.code === "string") Object.assign(error, { code: message.code });
        return fail(error);
      }
      if ("ready" in message) {
        cleanup();
        resolve();
      }
    }
    function onExit(code: number | null) {
      fail(new Error(`The embedded database stopped while starting (exit code ${code}).`));
    }
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.once("error", fail);
  });
}
