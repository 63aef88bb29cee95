import "server-only";
import type { Pool } from "pg";
import { logger } from "@/lib/logger";

/** What pg-boss 10 needs from its `db` option: one method, node-postgres shaped results. */
export interface BossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * pg-boss on the embedded database, through the portal's own pool rather than a pool of its own:
 * every connection is one more client taking turns on the single PGlite session, so fewer is better.
 *
 * pg-boss sends schema changes and maintenance as one string, "BEGIN; …; COMMIT;". If a statement
 * in it fails, PostgreSQL leaves that connection inside the aborted transaction, and the embedded
 * server keeps its session reserved for that connection until it ends the transaction (or the
 * idle-in-transaction timeout does). The rollback here ends it at once.
 *
 * pg-boss records a job's completion or failure without awaiting it. A job that outlives the stop's
 * grace period finishes after the pool has closed. Its write can neither run nor fail: a rejection
 * nobody awaits would crash the stopping process, and no made-up answer suits every pg-boss command
 * (complete and fail read a count, fetch reads jobs). So it never settles; the process is on its
 * way out, and the restart recovery picks the job up again, as the stop's contract says.
 */
export function poolBossDb(pool: Pool): BossDb {
  return {
    async executeSql(text, values) {
      if (pool.ending || pool.ended) {
        logger.warn("relay queue write after the database closed; the job is recovered on the next start", { statement: text.trim().slice(0, 80) });
        return new Promise<never>(() => undefined);
      }
      const client = await pool.connect();
      try {
        // A multi-statement string answers with one result per statement; pg-boss reads none of those.
        const result: { rows: unknown[] } | { rows: unknown[] }[] = await client.query(text, values);
        return Array.isArray(result) ? { rows: result.at(-1)?.rows ?? [] } : result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
