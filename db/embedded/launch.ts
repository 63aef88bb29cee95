import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The socket file is `<dir>/.s.PGSQL.<port>`: node-postgres finds it from host and port. */
const SOCKET_PORT = 5432;
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

export interface EmbeddedDatabaseServer {
  /** node-postgres connection settings for the server's Unix socket. */
  connection: { host: string; port: number; user: string; database: string };
  pid: number;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** The PGlite data directory; omit for an in-memory database (tests). */
  dataDir?: string;
  /** Called if the database process ends without being asked to: the caller cannot go on without it. */
  onUnexpectedExit?: (detail: string) => void;
  /** PostgreSQL's idle_in_transaction_session_timeout, enforced by the server (default 60 s). */
  idleInTransactionMs?: number;
  /** How long to wait for a previous owner of the data directory to finish closing (default 20 s). */
  lockWaitMs?: number;
}

function serverScript(): string {
  // Run from the checkout at run time, never bundled: the Next.js build must not try to follow it.
  return path.join(/* turbopackIgnore: true */ process.cwd(), "db", "embedded", "server.mjs");
}

/**
 * Starts the embedded database server (db/embedded/server.mjs) as a child process and waits until it
 * accepts connections. The socket lives in a fresh private directory (mode 0700), so no other user
 * of the machine can connect, and the child gets no environment, so no secret reaches it.
 */
export async function launchEmbeddedDatabase(options: LaunchOptions = {}): Promise<EmbeddedDatabaseServer> {
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), "edi-portal-db-"));
  const config: ServerConfig = {
    socketDir,
    dataDir: options.dataDir ? path.resolve(options.dataDir) : undefined,
    idleInTransactionMs: options.idleInTransactionMs,
    lockWaitMs: options.lockWaitMs,
  };
  if (config.dataDir && !fs.existsSync(path.join(config.dataDir, "PG_VERSION"))) {
    // Creating the cluster (initdb inside WebAssembly) takes the heap to about 700 MB, and a
    // WebAssembly heap never shrinks: a first process creates it and exits, the server opens it.
    try {
      await initialiseDataDir(config);
    } catch (error) {
      fs.rmSync(socketDir, { recursive: true, force: true });
      throw error;
    }
  }
  const child = forkServer(config);

  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const removeSocketDir = () => fs.rmSync(socketDir, { recursive: true, force: true });

  try {
    await waitUntilReady(child);
  } catch (error) {
    stopping = true;
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
    removeSocketDir();
    throw error;
  }

  child.once("exit", (code, signal) => {
    removeSocketDir();
    if (!stopping) options.onUnexpectedExit?.(signal ? `signal ${signal}` : `exit code ${code}`);
  });

  return {
    connection: { host: socketDir, port: SOCKET_PORT, user: "postgres", database: "postgres" },
    pid: child.pid!,
    async stop() {
      if (stopping) return exited;
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Closing the IPC channel is the stop signal; the server closes PGlite cleanly and exits.
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      removeSocketDir();
    },
  };
}

interface ServerConfig {
  socketDir: string;
  dataDir?: string;
  idleInTransactionMs?: number;
  lockWaitMs?: number;
  /** Create the cluster in dataDir, close it and exit. */
  initOnly?: boolean;
}

function forkServer(config: ServerConfig): ChildProcess {
  return fork(serverScript(), [JSON.stringify(config)], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
    // Not the parent's flags: a TypeScript loader or test runner hooks have no business there.
    execArgv: ["--max-semi-space-size=2"],
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
      if ("error" in message) return fail(new Error(`The embedded database could not start: ${String(message.error)}`));
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
