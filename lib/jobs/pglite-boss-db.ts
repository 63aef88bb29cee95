import "server-only";
import type { DatabaseHandle } from "@/db/client";

/** What pg-boss 10 needs from its `db` option: one method, node-postgres shaped results. */
export interface BossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

interface PgliteWithTransactions {
  transaction<T>(run: (tx: { exec(sql: string): Promise<unknown> }) => Promise<T>): Promise<T>;
}

/*
 * pg-boss wraps schema creation, migrations and maintenance in one multi-statement string:
 * "BEGIN; SET LOCAL …; SELECT pg_advisory_xact_lock(…); <commands>; COMMIT;". PGlite's query()
 * speaks the extended protocol (one statement per call), and a failure half-way through an exec()
 * would leave the single shared connection inside an aborted transaction for every other caller.
 */
const TRANSACTION_BLOCK = /^\s*BEGIN\s*;([\s\S]*);\s*COMMIT\s*;?\s*$/i;

/**
 * pg-boss on the embedded database, through the portal's one PGlite handle.
 *
 * - Single statements (fetch, send, complete, fail, the maintenance/cron "try set time" probes)
 *   go through `handle.raw.query`, so they queue behind the portal's own queries on PGlite's mutex.
 * - pg-boss's BEGIN…COMMIT blocks run inside PGlite's transaction(), which holds the connection for
 *   the whole block and rolls back on error. The advisory lock inside them is harmless here: one
 *   backend, so it never waits.
 * - pg-boss 10 does not use LISTEN/NOTIFY (workers poll), so nothing else is needed.
 */
export function pgliteBossDb(handle: DatabaseHandle): BossDb {
  if (handle.kind !== "pglite") throw new Error("pgliteBossDb needs the embedded database handle");
  const client = (handle.db as unknown as { $client?: PgliteWithTransactions }).$client;
  if (!client?.transaction) throw new Error("The PGlite handle does not expose its client");
  return {
    async executeSql(text, values) {
      const block = values?.length ? null : TRANSACTION_BLOCK.exec(text);
      if (block) {
        await client.transaction((tx) => tx.exec(block[1]));
        return { rows: [] };
      }
      // node-postgres sends undefined as NULL; PGlite's serialisers expect null.
      const params = values?.map((value) => (value === undefined ? null : value));
      return handle.raw.query(text, params);
    },
  };
}
