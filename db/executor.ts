import "server-only";
import { getDb, type Database } from "./client";

/** A drizzle transaction, as handed to `inTransaction`'s callback. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * What a repository function runs its statements on: the database, or the transaction a service
 * opened. Repositories take it as their first argument so a use case that writes several rows can
 * make them one atomic unit.
 */
export type Executor = Database | Transaction;

/** Runs `work` in one transaction: every write inside commits together or not at all. */
export async function inTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
  const db = await getDb();
  return db.transaction(work);
}
