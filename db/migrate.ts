import path from "node:path";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { DatabaseHandle } from "@/db/client";

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

/** The advisory lock key (two-int form) that serialises migrators across processes. */
const MIGRATION_LOCK = "SELECT pg_advisory_lock(hashtext('edi-portal'), hashtext('migrations'))";
const MIGRATION_UNLOCK = "SELECT pg_advisory_unlock(hashtext('edi-portal'), hashtext('migrations'))";

/**
 * Apply the committed SQL migrations; safe to run on every start, and on PostgreSQL safe for several
 * instances starting together: each takes a session-level advisory lock on a connection of its own
 * first, so one migrates while the others wait, then find nothing left to apply. (drizzle's migrator
 * alone would let two processes run the same CREATE TABLE and one of them fail.) The embedded
 * database has a single owner process, so it needs no lock.
 */
export async function applyMigrations(handle: DatabaseHandle): Promise<void> {
  if (handle.kind !== "postgres") {
    await migratePg(handle.db as NodePgDatabase<never>, { migrationsFolder });
    return;
  }
  // The lock lives as long as this session: a migrator that dies releases it with its connection.
  const lockHolder = await handle.pool.connect();
  let broken = false;
  try {
    await lockHolder.query(MIGRATION_LOCK);
    try {
      await migratePg(handle.db as NodePgDatabase<never>, { migrationsFolder });
    } finally {
      await lockHolder.query(MIGRATION_UNLOCK).catch(() => {
        broken = true;
      });
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    // A connection whose unlock failed is closed rather than pooled: closing it ends the lock too.
    lockHolder.release(broken);
  }
}

async function main() {
  const { openDatabase, pgliteDirFor } = await import("@/db/client");
  // The configured database as lib/env.ts reads it (db/ does not import lib/): DATABASE_URL, else
  // the embedded one in DATA_DIR (default ./data). No portal may be running on the embedded one.
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const handle = await openDatabase({ databaseUrl, pgliteDir: databaseUrl ? undefined : pgliteDirFor(path.resolve(process.env.DATA_DIR || "./data")) });
  await applyMigrations(handle);
  console.log(`Migrations applied (${handle.kind}).`);
  await handle.raw.close();
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
