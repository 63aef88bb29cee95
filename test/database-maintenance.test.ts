import { describe, expect, it } from "vitest";
import { vacuumAllTables } from "@/lib/database-maintenance/vacuum";
import { withTestDatabase } from "@/test/support/db";

const database = withTestDatabase();

interface TableStats {
  vacuums: number;
  analyzes: number;
  dead: number;
}

async function statsOf(table: string): Promise<TableStats> {
  const { rows } = await database.handle().raw.query<{ vacuums: string; analyzes: string; dead: string }>(
    `SELECT vacuum_count AS vacuums, analyze_count AS analyzes, n_dead_tup AS dead FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = $1`,
    [table],
  );
  return { vacuums: Number(rows[0].vacuums), analyzes: Number(rows[0].analyzes), dead: Number(rows[0].dead) };
}

describe(`the database's VACUUM (ANALYZE) on ${process.env.DATABASE_URL ? "PostgreSQL" : "embedded PGlite"}`, () => {
  it("vacuums and analyses every table, one statement each, and the dead rows are gone", async () => {
    const raw = database.handle().raw;
    // Dead rows as pg-boss leaves them: inserted, then deleted.
    await raw.exec(`CREATE TABLE maintenance_probe (id int PRIMARY KEY, note text)`);
    try {
      await raw.exec(`INSERT INTO maintenance_probe SELECT g, repeat('x', 100) FROM generate_series(1, 2000) g`);
      await raw.exec(`DELETE FROM maintenance_probe WHERE id % 2 = 0`);
      const before = await statsOf("maintenance_probe");
      const { rows: tables } = await raw.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_user_tables`);

      const report = await vacuumAllTables(database.handle());

      expect(report.tables).toBe(Number(tables[0].n));
      expect(report.slowest).not.toBeNull();
      const after = await statsOf("maintenance_probe");
      expect(after.vacuums).toBe(before.vacuums + 1);
      expect(after.analyzes).toBe(before.analyzes + 1);
      expect(after.dead).toBe(0);
      // The portal's own tables are among them (pg-boss's: test/queue-relay.test.ts, where its schema exists).
      expect((await statsOf("transfers")).vacuums).toBeGreaterThan(0);
    } finally {
      await raw.exec(`DROP TABLE maintenance_probe`);
    }
  });
});
