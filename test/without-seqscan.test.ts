import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import type { Executor } from "@/db/executor";
import { withoutSeqscan } from "@/db/without-seqscan";
import { endPoolAndWait, withTestDatabase } from "@/test/support/db";

/**
 * The history search's planner setting (db/without-seqscan.ts) holds for its own read only. The
 * pool here has one connection, so the statements after a read run on the connection the read
 * used: they would see the setting, or the read-only transaction, if either outlived the read.
 */

const database = withTestDatabase();
let pool: Pool;
let db: Executor;

beforeAll(() => {
  pool = new Pool({ ...database.handle().pool.options, max: 1 });
  db = drizzle(pool) as unknown as Executor;
});
afterAll(async () => {
  await endPoolAndWait(pool);
});

async function settings(executor: Pick<Executor, "execute">) {
  const result = (await executor.execute(sql`select current_setting('enable_seqscan') as seqscan, current_setting('transaction_read_only') as read_only`)) as unknown as { rows: Array<{ seqscan: string; read_only: string }> };
  return result.rows[0];
}

describe("withoutSeqscan", () => {
  it("turns sequential scans off in a read-only transaction of the read's own, and the connection comes back as it was", async () => {
    const inside = await withoutSeqscan(db, (executor) => settings(executor));
    expect(inside).toEqual({ seqscan: "off", read_only: "on" });
    expect(await settings(db)).toEqual({ seqscan: "on", read_only: "off" });
    // The read's rows reach the caller before its COMMIT is answered; the next read waits for the connection.
    const [first, second] = await Promise.all([withoutSeqscan(db, (executor) => settings(executor)), withoutSeqscan(db, (executor) => settings(executor))]);
    expect([first, second]).toEqual([inside, inside]);
    expect(await settings(db)).toEqual({ seqscan: "on", read_only: "off" });
  });

  it("a read that fails rejects with its own error and leaves the connection usable", async () => {
    await expect(withoutSeqscan(db, (executor) => executor.execute(sql`select 1 / 0`))).rejects.toMatchObject({ cause: { message: expect.stringMatching(/division by zero/) } });
    expect(await settings(db)).toEqual({ seqscan: "on", read_only: "off" });
    await expect(withoutSeqscan(db, (executor) => executor.execute(sql`insert into organisations (name) values ('x')`))).rejects.toMatchObject({ cause: { message: expect.stringMatching(/read-only transaction/) } });
    expect(await settings(db)).toEqual({ seqscan: "on", read_only: "off" });
  });

  it("inside a caller's transaction: the setting is put back, and a failed read leaves that transaction usable", async () => {
    for (const before of ["on", "off"]) {
      await db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('enable_seqscan', ${before}, true)`);
        expect((await withoutSeqscan(tx, (executor) => settings(executor))).seqscan).toBe("off");
        expect((await settings(tx)).seqscan).toBe(before);
        await expect(withoutSeqscan(tx, (executor) => executor.execute(sql`select 1 / 0`))).rejects.toMatchObject({ cause: { message: expect.stringMatching(/division by zero/) } });
        expect((await settings(tx)).seqscan).toBe(before);
      });
    }
    expect(await settings(db)).toEqual({ seqscan: "on", read_only: "off" });
  });
});
