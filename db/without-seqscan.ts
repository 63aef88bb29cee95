import "server-only";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { Pool, PoolClient } from "pg";
import type { Executor } from "@/db/executor";

/**
 * Runs one read with the planner's sequential scans off, for that read only: for a query whose
 * index the planner underprices (the history's trigram search), where the choice must not change
 * with each ANALYZE.
 *
 * On the pool, the read gets a read-only transaction of its own on one connection. `BEGIN` and the
 * setting travel as one message (two statements without parameters), and the caller has its rows
 * before `COMMIT` comes back: the connection returns to the pool only after it, so no later query
 * can see the setting. Two round trips fewer than a drizzle transaction; each is about 0.5 ms p50
 * and 2 ms p95 to the embedded database's process, which answers one statement at a time.
 *
 * Inside a caller's transaction the read runs in a savepoint, which keeps a local setting when it is
 * released: the setting is read and changed in one statement and put back by hand afterwards.
 */
export async function withoutSeqscan<T>(db: Executor, read: (executor: Executor) => Promise<T>): Promise<T> {
  // A savepoint inside the caller's transaction, so a failed read leaves that transaction usable.
  if (db instanceof PgTransaction) return db.transaction(async (tx) => insideCallersTransaction(tx, read));
  const client = await poolOf(db).connect();
  let rows: T;
  try {
    await client.query("BEGIN READ ONLY; SET LOCAL enable_seqscan = off");
    rows = await read(drizzle(client) as unknown as Executor);
  } catch (error) {
    await rollbackAndRelease(client);
    throw error;
  }
  // Not awaited: the rows are the caller's now. A commit that fails (the connection dropped) takes
  // the connection out of the pool instead of returning it mid-transaction.
  client.query("COMMIT").then(
    () => client.release(),
    (error: Error) => client.release(error),
  );
  return rows;
}

/**
 * The pool behind a database (db/client.ts builds both engines' on node-postgres's Pool). Checked by
 * shape, not `instanceof`: a bundle that loads its own copy of pg must not turn this into an error.
 */
function poolOf(db: Executor): Pool {
  const client = (db as { $client?: Partial<Pool> }).$client;
  if (typeof client?.connect !== "function" || typeof client.totalCount !== "number") throw new Error("withoutSeqscan needs a database on a node-postgres pool");
  return client as Pool;
}

async function insideCallersTransaction<T>(tx: Executor, read: (executor: Executor) => Promise<T>): Promise<T> {
  // One round trip: the select list is evaluated left to right, so `previous` is read before the set.
  const setting = (await tx.execute(sql`select current_setting('enable_seqscan') as previous, set_config('enable_seqscan', 'off', true) as now`)) as unknown as { rows: Array<{ previous: string }> };
  const previous = setting.rows[0]?.previous ?? "on";
  const rows = await read(tx);
  await tx.execute(sql`select set_config('enable_seqscan', ${previous}, true)`);
  return rows;
}

async function rollbackAndRelease(client: PoolClient): Promise<void> {
  try {
    await client.query("ROLLBACK");
    client.release();
  } catch (error) {
    client.release(error as Error);
  }
}
