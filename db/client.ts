import path from "node:path";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { Pool } from "pg";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "@/db/schema";
import type { RestartPolicy } from "@/db/embedded/launch";
import {
  reportDatabaseDown,
  reportDatabaseRestartFailed,
  reportDatabaseRestarted,
  reportDatabaseRestarting,
  resetDatabaseAvailability,
} from "@/lib/health/database-status";
import { logger } from "@/lib/logger";

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
  /** How the embedded database is restarted when its process dies (tests shorten it). */
  restartPolicy?: Partial<RestartPolicy>;
  /**
   * Called when the embedded database is gone for good (it could not be restarted, or an in-memory
   * one died). By default: say why on stderr and exit with status 1. Tests pass their own.
   */
  onDatabaseLost?: (reason: string) => void;
}

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
  // The pool is created once the server runs; the restart hooks below only fire after that.
  let pool: Pool | undefined = undefined;
  const embedded = await launchEmbeddedDatabase({
    dataDir: options.pgliteDir,
    onUnexpectedExit: (reason) => {
      if (options.pgliteDir) {
        reportDatabaseDown(reason);
        logger.error("the embedded database could not be restarted", { reason });
      }
      lost(reason);
    },
    // A data directory outlives its process: a server that dies is started again on it (an
    // in-memory database would come back empty, so it is not restarted).
    supervise: options.pgliteDir
      ? {
          policy: options.restartPolicy,
          onDown: ({ detail, backoffMs }) => {
            reportDatabaseRestarting(detail);
            logger.error("the embedded database stopped unexpectedly; restarting it", { reason: detail, inMs: backoffMs });
          },
          onRestartFailed: ({ error, backoffMs }) => {
            reportDatabaseRestartFailed(error);
            logger.error("the embedded database did not restart; trying again", { reason: error, inMs: backoffMs });
          },
          onRestarted: ({ pid, restarts, connection }) => {
            // Same socket as before unless its directory had gone; new clients read these options.
            if (pool) Object.assign(pool.options, { host: connection.host, port: connection.port });
            reportDatabaseRestarted(restarts);
            logger.warn("the embedded database is back after a restart", { pid, restarts });
          },
        }
      : undefined,
  });
  if (options.pgliteDir) resetDatabaseAvailability();
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

/*
 * The custom server (run by tsx) and the Next.js bundle each get their own copy of this module.
 * Both must share one database handle: PGlite allows a single owner of its data directory.
 */
const globalKey = Symbol.for("edi-portal.database");
type GlobalWithDb = typeof globalThis & { [globalKey]?: Promise<DatabaseHandle> };

export function installDatabase(handle: Promise<DatabaseHandle>): void {
  (globalThis as GlobalWithDb)[globalKey] = handle;
}

export function uninstallDatabase(): void {
  delete (globalThis as GlobalWithDb)[globalKey];
}

export async function getDatabaseHandle(): Promise<DatabaseHandle> {
  const existing = (globalThis as GlobalWithDb)[globalKey];
  if (existing) return existing;
  // First use inside a process that was not started by server.ts (e.g. a script): open from env.
  const { env } = await import("@/lib/env");
  const config = env();
  const opening = openDatabase({
    databaseUrl: config.DATABASE_URL,
    pgliteDir: config.DATABASE_URL ? undefined : pgliteDirFor(config.DATA_DIR),
  });
  installDatabase(opening);
  return opening;
}

export async function getDb(): Promise<Database> {
  return (await getDatabaseHandle()).db;
}
