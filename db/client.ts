import path from "node:path";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { Pool } from "pg";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "@/db/schema";
import type { RestartPolicy } from "@/db/embedded/launch";
import { requireRuntimeSlot } from "@/db/runtime-slot";

/** Both drivers share the pg-core query builder; code above this file never knows which one runs. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Minimal SQL runner shared by migrations, pg-boss and tests, whichever engine is underneath. */
export interface RawSql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseHandle {
  kind: "pglite" | "postgres";
  db: Database;
  raw: RawSql;
  /** The pool behind `db` and `raw` (pg-boss shares it on the embedded engine). */
  pool: Pool;
  /** Where an embedded database keeps its files (undefined for PostgreSQL or in-memory). */
  dataDir?: string;
}

export interface OpenOptions {
  databaseUrl?: string;
  /** PGlite data directory; omit for an in-memory database (tests). */
  pgliteDir?: string;
  /** In-memory only: the PGlite data-directory image to start from (tests start from a migrated one). */
  pgliteImage?: string;
  /** How the embedded database is restarted when its process dies (tests shorten it). */
  restartPolicy?: Partial<RestartPolicy>;
  /**
   * Called when the embedded database is gone for good (it could not be restarted, or an in-memory
   * one died). By default: say why on stderr and exit with status 1. Tests pass their own.
   */
  onDatabaseLost?: (reason: string) => void;
  /**
   * What becomes of a database with a data directory (the supervised embedded one): the runtime
   * records it in its `databaseStatus` (lib/health/database-status.ts), which the 503 gate, health
   * and the operator's page read. Nothing is reported for PostgreSQL or an in-memory database.
   */
  onAvailability?: (change: DatabaseAvailabilityChange) => void;
  /** Where the supervisor's messages go: the runtime passes lib/logger (db/ does not import lib/). */
  log?: DatabaseLog;
}

/** What openDatabase reports to `onAvailability`. */
export type DatabaseAvailabilityChange =
  /** A newly opened database: up, with no history. */
  | { kind: "opened" }
  /** The database process died; a restart is on its way. */
  | { kind: "restarting"; reason: string }
  /** A restart failed; another one is on its way. */
  | { kind: "restart-failed"; reason: string }
  /** The database accepts connections again (`restarts` counts every successful restart). */
  | { kind: "restarted"; restarts: number }
  /** The database cannot come back. */
  | { kind: "down"; reason: string };

export interface DatabaseLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Without a runtime's logger (a test opening a database by itself): one line on stderr. */
const stderrLog: DatabaseLog = {
  warn: (message, fields) => console.warn(message, fields ?? ""),
  error: (message, fields) => console.error(message, fields ?? ""),
};

function exitWithoutDatabase(reason: string): void {
  console.error(`This process cannot continue without the embedded database: ${reason.replace(/\.$/, "")}.`);
  process.exit(1);
}

/**
 * Both engines are reached the same way, over node-postgres: PostgreSQL at DATABASE_URL, or the
 * embedded PGlite server this process starts on a private Unix socket (db/embedded). The portal
 * process never holds the database's WebAssembly heap, and both engines run the same driver code.
 */
export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  const { Pool } = await import("pg");
  if (options.databaseUrl) {
    const pool = new Pool({ connectionString: options.databaseUrl, max: 10 });
    return handleFor("postgres", pool, async () => {});
  }

  const { launchEmbeddedDatabase } = await import("@/db/embedded/launch");
  const lost = options.onDatabaseLost ?? exitWithoutDatabase;
  const report = options.onAvailability ?? (() => undefined);
  const log = options.log ?? stderrLog;
  // The pool is created once the server runs; the restart hooks below only fire after that.
  let pool: Pool | undefined = undefined;
  const embedded = await launchEmbeddedDatabase({
    dataDir: options.pgliteDir,
    image: options.pgliteImage,
    onUnexpectedExit: (reason) => {
      if (options.pgliteDir) {
        report({ kind: "down", reason });
        log.error("the embedded database could not be restarted", { reason });
      }
      lost(reason);
    },
    // A data directory outlives its process: a server that dies is started again on it (an
    // in-memory database would come back empty, so it is not restarted).
    supervise: options.pgliteDir
      ? {
          policy: options.restartPolicy,
          onDown: ({ detail, backoffMs }) => {
            report({ kind: "restarting", reason: detail });
            log.error("the embedded database stopped unexpectedly; restarting it", { reason: detail, inMs: backoffMs });
          },
          onRestartFailed: ({ error, backoffMs }) => {
            report({ kind: "restart-failed", reason: error });
            log.error("the embedded database did not restart; trying again", { reason: error, inMs: backoffMs });
          },
          onRestarted: ({ pid, restarts, connection }) => {
            // Same socket as before unless its directory had gone; new clients read these options.
            if (pool) Object.assign(pool.options, { host: connection.host, port: connection.port });
            report({ kind: "restarted", restarts });
            log.warn("the embedded database is back after a restart", { pid, restarts });
          },
        }
      : undefined,
  });
  if (options.pgliteDir) report({ kind: "opened" });
  // Every client is one more queue entry for the single PGlite session, not one more backend:
  // a small pool is plenty. Clients of a server that died fail (idle ones leave the pool at once,
  // busy ones with their query) and are not reused; new ones reach the restarted server.
  pool = new Pool({ ...embedded.connection, max: 6 });
  const handle = handleFor("pglite", pool, () => embedded.stop());
  return { ...handle, dataDir: options.pgliteDir };
}

function handleFor(kind: DatabaseHandle["kind"], pool: Pool, afterClose: () => Promise<void>): DatabaseHandle {
  pool.on("error", () => {
    // An idle client lost its connection; the pool replaces it on the next query.
  });
  pool.on("connect", (client) => {
    // A client that is checked out when its connection dies (the embedded server killed in the
    // middle of a query or transaction) also emits "error", which would end the process with
    // nobody listening. Its query fails with the error, and the pool drops it when it is released.
    client.on("error", () => undefined);
  });
  let closing: Promise<void> | undefined;
  const raw: RawSql = {
    query: async (text, params) => {
      const result = await pool.query(text, params as unknown[]);
      return { rows: result.rows };
    },
    exec: async (text) => {
      await pool.query(text);
    },
    close: () => (closing ??= pool.end().then(afterClose)),
  };
  return { kind, db: drizzlePg(pool, { schema }) as unknown as Database, raw, pool };
}

export function pgliteDirFor(dataDir: string): string {
  return path.join(dataDir, "pglite");
}

/**
 * A database handle that is not there: any use says why (the runtime of a unit test that has no
 * database, until test/support/db.ts gives it one).
 */
export function missingDatabase(reason: string): DatabaseHandle {
  const fail = (): never => {
    throw new Error(reason);
  };
  return {
    get kind() {
      return fail();
    },
    get db() {
      return fail();
    },
    get raw() {
      return fail();
    },
    get pool() {
      return fail();
    },
  };
}

/**
 * The database of this process's runtime (lib/runtime): the one server.ts, a script or the test
 * set-up started. Code in Next's bundle reaches the same handle (db/runtime-slot.ts).
 */
export async function getDatabaseHandle(): Promise<DatabaseHandle> {
  return requireRuntimeSlot().database;
}

export async function getDb(): Promise<Database> {
  return (await getDatabaseHandle()).db;
}
