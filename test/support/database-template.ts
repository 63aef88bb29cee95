/**
 * vitest global setup: migrates one database before the first test file, and every test file's
 * database (test/support/db.ts) starts as a copy of it instead of running initdb and the migrations
 * itself. On the embedded database that is about 2.5 s a file (initdb inside WebAssembly): the copy
 * is a PGlite data-directory image loaded into memory. On PostgreSQL it is `CREATE DATABASE …
 * TEMPLATE`. The template is made by the same committed migrations, so each file still starts from
 * exactly what a fresh install has. Removed after the last file.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { openDatabase } from "@/db/client";
import { applyMigrations } from "@/db/migrate";

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated embedded database's image (a tar file), when the suite runs on PGlite. */
    migratedPgliteImage?: string;
    /** The migrated template database's name, when the suite runs on PostgreSQL. */
    migratedTemplateDatabase?: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `portal_test_template_${crypto.randomBytes(6).toString("hex")}`;
    const admin = await openDatabase({ databaseUrl: url });
    await admin.raw.exec(`CREATE DATABASE ${name}`);
    const templateUrl = new URL(url);
    templateUrl.pathname = `/${name}`;
    const template = await openDatabase({ databaseUrl: templateUrl.toString() });
    await applyMigrations(template);
    // CREATE DATABASE … TEMPLATE refuses while anyone is connected to the template.
    await template.raw.close();
    project.provide("migratedTemplateDatabase", name);
    return async () => {
      await admin.raw.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.raw.close();
    };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-test-template-"));
  const dataDir = path.join(dir, "pglite");
  const image = path.join(dir, "migrated.tar");
  try {
    // Migrated through the portal's own embedded server, then read back as an image.
    const handle = await openDatabase({ pgliteDir: dataDir });
    await applyMigrations(handle);
    await handle.raw.close();
    await writePgliteImage(dataDir, image);
    fs.rmSync(dataDir, { recursive: true, force: true });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  project.provide("migratedPgliteImage", image);
  return async () => fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes the closed PGlite data directory `dataDir` as an image (a tar file) that an in-memory database starts from. */
export async function writePgliteImage(dataDir: string, image: string): Promise<void> {
  const database = new PGlite({ dataDir, extensions: { pg_trgm } });
  // dumpDataDir does not wait for the database to open: without this it waits forever.
  await database.waitReady;
  const dump = await database.dumpDataDir("none");
  await database.close();
  fs.writeFileSync(image, Buffer.from(await dump.arrayBuffer()));
}
