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
  const { getDatabaseHandle } = await import("@/db/client");
  const handle = await getDatabaseHandle();
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
