import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Pool } from "pg";
import { createTestDatabase, endPoolAndWait } from "@/test/support/db";
import { poolBossDb } from "@/lib/jobs/pool-boss-db";

const engine = process.env.DATABASE_URL ? "PostgreSQL" : "the embedded database";

describe(`pg-boss's db adapter on ${engine}`, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection: the statement after a failure runs on the very connection that failed.
    pool = new Pool({ ...database.handle.pool.options, max: 1 });
    await pool.query("CREATE TABLE boss_probe (n int)");
  });
  afterAll(async () => {
    await endPoolAndWait(pool);
    await database?.dispose();
  });

  it("rolls back a failed BEGIN…COMMIT block, so the connection goes back to the pool usable and nothing of it is kept", async () => {
    const boss = poolBossDb(pool);
    await expect(boss.executeSql("BEGIN; INSERT INTO boss_probe VALUES (1); SELECT 1/0; COMMIT;")).rejects.toThrow("division by zero");
    const { rows } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM boss_probe");
    expect(Number(rows[0].n)).toBe(0);
  });

  it("answers a multi-statement block with the last statement's rows, and a parameterised one with its rows", async () => {
    const boss = poolBossDb(pool);
    await boss.executeSql("BEGIN; INSERT INTO boss_probe VALUES (7); COMMIT;");
    expect((await boss.executeSql("SELECT n FROM boss_probe WHERE n = $1", [7])).rows).toEqual([{ n: 7 }]);
  });

  it("neither runs nor rejects a write that arrives after the pool closed (pg-boss does not await it)", async () => {
    const boss = poolBossDb(pool);
    await pool.end();
    const outcome = await Promise.race([
      boss.executeSql("UPDATE pgboss.job SET state = 'completed' WHERE id = $1", ["x"]).then(() => "settled", () => "rejected"),
      new Promise((resolve) => setTimeout(() => resolve("still pending"), 200)),
    ]);
    expect(outcome).toBe("still pending");
  });
});
