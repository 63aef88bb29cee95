import "server-only";
import { performance } from "node:perf_hooks";
import type { DatabaseHandle } from "@/db/client";
import { logger } from "@/lib/logger";

/** schema.table as format('%I.%I') writes it: plain lower-case identifiers, or quoted ones without quotes inside. */
const QUOTED_TABLE_NAME = /^(?:[a-z_][a-z0-9_$]*|"[^"\0]+")\.(?:[a-z_][a-z0-9_$]*|"[^"\0]+")$/;

export interface VacuumReport {
  tables: number;
  totalMs: number;
  /** The table that held the database longest, and for how long. */
  slowest: { table: string; ms: number } | null;
}

/**
 * VACUUM (ANALYZE) of every table, one table per statement.
 *
 * The embedded database (PGlite) has no autovacuum. Without this its tables only grow: rows pg-boss
 * completes and deletes every minute stay as dead tuples the job queries step over, no visibility map
 * is ever set (so a capped total reads the heap beside its index: 113 ms instead of 6 ms for the
 * failed-status total at 1,000,000 transfers), and the planner's statistics are never refreshed
 * after the first rows. PostgreSQL's autovacuum does this by itself; this runs only on the embedded
 * engine (lib/database-maintenance/jobs.ts).
 *
 * PGlite runs one statement at a time, so a VACUUM holds every other query until it ends: one table
 * per statement lets the portal's queries through between tables instead of waiting for all of them.
 * VACUUM takes no bind parameters: table names come from the catalogue, quoted by the database
 * (`format('%I.%I')`), and only a name of two plain or quoted identifiers is used.
 */
export async function vacuumAllTables(handle: DatabaseHandle): Promise<VacuumReport> {
  const { rows } = await handle.raw.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables ORDER BY n_dead_tup + n_mod_since_analyze DESC, relname`,
  );
  const started = performance.now();
  let slowest: VacuumReport["slowest"] = null;
  let vacuumed = 0;
  for (const { name } of rows) {
    if (!QUOTED_TABLE_NAME.test(name)) {
      logger.warn("embedded database vacuum skipped a table with an unusual name", { table: name });
      continue;
    }
    const tableStarted = performance.now();
    await handle.raw.exec(`VACUUM (ANALYZE) ${name}`);
    vacuumed += 1;
    const ms = performance.now() - tableStarted;
    if (!slowest || ms > slowest.ms) slowest = { table: name, ms: Math.round(ms) };
  }
  const report: VacuumReport = { tables: vacuumed, totalMs: Math.round(performance.now() - started), slowest };
  logger.info("database vacuumed", { ...report });
  return report;
}
