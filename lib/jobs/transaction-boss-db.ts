import "server-only";
import type { Transaction } from "@/db/executor";
import type { BossDb } from "@/lib/jobs/pool-boss-db";

/**
 * pg-boss's `db` option for one call (`boss.send(queue, data, { db })`), running its statement on
 * a use case's transaction: the job row commits with the rows that made it necessary, or not at all.
 *
 * Both engines are reached over node-postgres, so the transaction is one pool client. The statement
 * goes to that client as pg-boss wrote it, text and `$n` parameters unchanged (pg-boss reuses a
 * parameter in several places, which drizzle's `sql` template would split), through the session's
 * public `prepareQuery`: no result mapping, node-postgres shaped rows.
 *
 * Only for single statements (send, insert): pg-boss's "BEGIN; …; COMMIT;" blocks would end the
 * caller's transaction.
 */
export function transactionBossDb(tx: Transaction): BossDb {
  return {
    async executeSql(text, values) {
      const result = await tx._.session.prepareQuery({ sql: text, params: values ?? [] }, undefined, undefined, false).execute();
      return { rows: (result as { rows?: unknown[] }).rows ?? [] };
    },
  };
}
