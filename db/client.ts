import fs from "node:fs";
import path from "node:path";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";

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
  /** Where an embedded database keeps its files (undefined for PostgreSQL or in-memory). */
  dataDir?: string;
}

export interface OpenOptions {
  databaseUrl?: string;
  /** PGlite data directory; omit for an in-memory database (tests). */
  pgliteDir?: string;
}

const PGLITE_SHARED_BUFFERS = "16MB";

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const { Pool } = await import("pg");
    const pool = new Pool({
      connectionString: options.databaseUrl,
      max: 10,
    });
    pool.on("error", () => {
      // An idle client lost its connection; the pool replaces it on the next query.
    });
    const raw: RawSql = {
      query: async (text, params) => {
        const result = await pool.query(text, params as unknown[]);
        return { rows: result.rows };
      },
      exec: async (text) => {
        await pool.query(text);
      },
      close: () => pool.end(),
    };
    return { kind: "postgres", db: drizzlePg(pool, { schema }) as unknown as Database, raw };
  }

  const { PGlite } = await import("@electric-sql/pglite");
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  if (options.pgliteDir) fs.mkdirSync(options.pgliteDir, { recursive: true });
  // Options go in the one-argument form: with an undefined data directory (in-memory, tests) the
  // two-argument form ignores them.
  const client = new PGlite({
    dataDir: options.pgliteDir,
    // File-name search uses a trigram index (migration 0010) on both engines.
    extensions: { pg_trgm },
    // PostgreSQL's default 128 MB of shared buffers lives inside the WebAssembly heap, which never
    // shrinks. The file system cache serves our working set just as well at a fraction of the RSS.
    postgresqlconf: [`shared_buffers = ${PGLITE_SHARED_BUFFERS}`],
  });
  await client.waitReady;
  const raw: RawSql = {
    query: async (text, params) => {
      const result = await client.query(text, params as unknown[]);
      return { rows: result.rows as never[] };
    },
    exec: async (text) => {
      await client.exec(text);
    },
    close: () => client.close(),
  };
  return { kind: "pglite", db: drizzlePglite(client, { schema }) as unknown as Database, raw, dataDir: options.pgliteDir };
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
