import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, installTestDatabase, uninstallTestDatabase } from "@/test/support/db";
import { openDatabase } from "@/db/client";
import { replaceRuntimeParts } from "@/lib/runtime";
import { createLifecycle } from "@/lib/runtime/lifecycle";
import { GET } from "@/app/api/ready/route";

/*
 * GET /api/ready, as a load balancer calls it: no credentials, 200 while the instance takes work,
 * 503 in the portal's error shape (and nothing else) when it is shutting down, its database lacks
 * this release's migrations, or it cannot reach its database. Runs on both engines.
 */
const ask = async () => {
  const response = await GET(new Request("http://portal.test/api/ready"));
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
};

describe("GET /api/ready", () => {
  const restores: (() => void)[] = [];
  afterEach(() => {
    for (const restore of restores.splice(0).reverse()) restore();
    uninstallTestDatabase();
  });

  it("is not ready before the migrations ran, then ready, then not while shutting down", async () => {
    // A database without the portal's schema (its migrations not applied yet).
    const bare = process.env.DATABASE_URL ? await createTestDatabaseWithoutMigrations() : { handle: await openDatabase({}), dispose: async () => undefined };
    try {
      installTestDatabase(bare.handle);
      const pending = await ask();
      expect(pending.status).toBe(503);
      expect(pending.body).toEqual({ error: { code: "MIGRATIONS_PENDING", message: expect.stringContaining("migrations") } });
      expect(pending.headers.get("cache-control")).toBe("no-store");
    } finally {
      uninstallTestDatabase();
      await bare.dispose();
    }

    const database = await createTestDatabase();
    try {
      installTestDatabase(database.handle);
      const ready = await ask();
      expect(ready.status).toBe(200);
      // Nothing beyond the verdict: no version, engine, host or figure.
      expect(ready.body).toEqual({ status: "ready" });

      const lifecycle = createLifecycle();
      restores.push(replaceRuntimeParts({ lifecycle }));
      lifecycle.drain();
      const draining = await ask();
      expect(draining.status).toBe(503);
      expect(draining.body).toEqual({ error: { code: "SHUTTING_DOWN", message: expect.stringContaining("shutting down") } });
      expect(draining.headers.get("retry-after")).toBe("5");
    } finally {
      uninstallTestDatabase();
      await database.dispose();
    }
  });

  it("is not ready when the database does not answer, and says no more than that", async () => {
    const database = await createTestDatabase();
    installTestDatabase(database.handle);
    await database.dispose();
    const unreachable = await ask();
    expect(unreachable.status).toBe(503);
    expect(unreachable.body).toEqual({ error: { code: "DATABASE_UNAVAILABLE", message: "This instance cannot reach its database." } });
  });
});

/** A throw-away PostgreSQL database with no migrations applied (test/support/db.ts applies them). */
async function createTestDatabaseWithoutMigrations() {
  const url = process.env.DATABASE_URL!;
  const name = `portal_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = await openDatabase({ databaseUrl: url });
  await admin.raw.exec(`CREATE DATABASE ${name}`);
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: databaseUrl.toString() });
  return {
    handle,
    async dispose() {
      await handle.raw.close();
      await admin.raw.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.raw.close();
    },
  };
}
