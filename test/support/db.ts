import crypto from "node:crypto";
import type { Pool } from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { missingDatabase, openDatabase, type DatabaseHandle } from "@/db/client";
import { applyMigrations } from "@/db/migrate";
import { replaceRuntimeParts } from "@/lib/runtime";

/** What test/support/database-template.ts migrated once for this run (nothing outside vitest.config.ts's projects). */
function migratedTemplate(): { pgliteImage?: string; database?: string } {
  return { pgliteImage: inject("migratedPgliteImage"), database: inject("migratedTemplateDatabase") };
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a throw-away
 * database on the PostgreSQL server in DATABASE_URL (CI runs the suite both ways). It starts as a
 * copy of the run's migrated template where there is one, and runs the migrations itself otherwise.
 */
export async function createTestDatabase(): Promise<{ handle: DatabaseHandle; dispose(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  const template = migratedTemplate();
  if (!url) {
    const handle = await openDatabase({ pgliteImage: template.pgliteImage });
    if (!template.pgliteImage) await applyMigrations(handle);
    return { handle, dispose: () => handle.raw.close() };
  }
  // A throw-away database per test file: complete isolation, and the committed migrations run as-is.
  const name = `portal_test_${crypto.randomBytes(6).toString("hex")}`;
  const admin = await openDatabase({ databaseUrl: url });
  await admin.raw.exec(template.database ? `CREATE DATABASE ${name} TEMPLATE ${template.database}` : `CREATE DATABASE ${name}`);
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: databaseUrl.toString() });
  if (!template.database) await applyMigrations(handle);
  return {
    handle,
    async dispose() {
      await handle.raw.close();
      await admin.raw.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.raw.close();
    },
  };
}

/** What a test runtime without a database says when something uses it. */
export const NO_TEST_DATABASE = "This test has no database: call withTestDatabase() (test/support/db.ts) at the top of the file.";

/**
 * Makes `handle` the database of this process's test runtime (test/support/runtime.ts): getDb(),
 * inTransaction() and every service use it, until uninstallTestDatabase().
 */
export function installTestDatabase(handle: DatabaseHandle): void {
  replaceRuntimeParts({ database: handle });
}

/** The test runtime without a database again (closing the database stays the caller's). */
export function uninstallTestDatabase(): void {
  replaceRuntimeParts({ database: missingDatabase(NO_TEST_DATABASE) });
}

/** A fresh database as the test runtime's for the duration of the test file. */
export function withTestDatabase(): { handle: () => DatabaseHandle } {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    installTestDatabase(database.handle);
  });
  afterAll(async () => {
    uninstallTestDatabase();
    await database?.dispose();
  });
  return {
    handle: () => {
      if (!database) throw new Error("The test database is not ready yet (use it inside tests or hooks).");
      return database.handle;
    },
  };
}

/**
 * End a pool a test made for itself, and wait until its connections have really closed. pg-pool's
 * `end()` resolves as soon as it has asked its idle clients to end; the test database is dropped
 * WITH (FORCE) right after, and a connection still open then gets the server's "terminating
 * connection" on a pool with nobody listening: an uncaught error that fails the run.
 */
export async function endPoolAndWait(pool: Pool): Promise<void> {
  if (pool.ended) return;
  const open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) return resolve();
    let removed = 0;
    pool.on("remove", () => {
      if (++removed === open) resolve();
    });
  });
  await pool.end();
  await closed;
}
