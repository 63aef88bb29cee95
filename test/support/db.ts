import crypto from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { installDatabase, openDatabase, uninstallDatabase, type DatabaseHandle } from "@/db/client";
import { applyMigrations } from "@/db/migrate";

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a throw-away
 * database on the PostgreSQL server in DATABASE_URL (CI runs the suite both ways).
 */
export async function createTestDatabase(): Promise<{ handle: DatabaseHandle; dispose(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const handle = await openDatabase({});
    await applyMigrations(handle);
    return { handle, dispose: () => handle.raw.close() };
  }
  // A throw-away database per test file: complete isolation, and the committed migrations run as-is.
  const name = `portal_test_${crypto.randomBytes(6).toString("hex")}`;
  const admin = await openDatabase({ databaseUrl: url });
  await admin.raw.exec(`CREATE DATABASE ${name}`);
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: databaseUrl.toString() });
  await applyMigrations(handle);
  return {
    handle,
    async dispose() {
      await handle.raw.close();
      await admin.raw.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.raw.close();
    },
  };
}

/** Installs a fresh database as the process-wide one for the duration of the test file. */
export function withTestDatabase(): { handle: () => DatabaseHandle } {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    installDatabase(Promise.resolve(database.handle));
  });
  afterAll(async () => {
    uninstallDatabase();
    await database?.dispose();
  });
  return {
    handle: () => {
      if (!database) throw new Error("The test database is not ready yet (use it inside tests or hooks).");
      return database.handle;
    },
  };
}
