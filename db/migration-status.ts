import journal from "@/db/migrations/meta/_journal.json";
import type { DatabaseHandle } from "@/db/client";

/** The creation time (ms) of the newest committed migration, as drizzle's journal (bundled) records it. */
const NEWEST_COMMITTED_MIGRATION = Math.max(...journal.entries.map((entry) => entry.when));

/**
 * Whether the database carries every committed migration (readiness: an instance of a newer
 * release is not ready before its migrations ran). Two small catalogue/table reads.
 */
export async function migrationsApplied(handle: DatabaseHandle): Promise<boolean> {
  const table = await handle.raw.query<{ name: string | null }>("SELECT to_regclass('drizzle.__drizzle_migrations')::text AS name");
  if (!table.rows[0]?.name) return false;
  const { rows } = await handle.raw.query<{ applied: string | null }>("SELECT max(created_at)::text AS applied FROM drizzle.__drizzle_migrations");
  return rows[0]?.applied != null && Number(rows[0].applied) >= NEWEST_COMMITTED_MIGRATION;
}
