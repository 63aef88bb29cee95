import path from "node:path";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { DatabaseHandle } from "@/db/client";

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

/** Apply the committed SQL migrations; safe to run on every start. */
export async function applyMigrations(handle: DatabaseHandle): Promise<void> {
  await migratePg(handle.db as NodePgDatabase<never>, { migrationsFolder });
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
