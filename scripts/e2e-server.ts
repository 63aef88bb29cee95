/**
 * Starts the portal for Playwright on a clean database: a fresh PGlite directory, or a freshly
 * created PostgreSQL database next to the one in DATABASE_URL (never the one in DATABASE_URL itself).
 * When Playwright stops it (SIGTERM), both go again: the run leaves nothing behind.
 */
import fs from "node:fs";
import path from "node:path";
import { Client } from "pg";

async function main() {
  const dataDir = path.resolve(process.env.E2E_DATA_DIR ?? ".e2e-data");
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  process.env.DATA_DIR = dataDir;

  const baseUrl = process.env.DATABASE_URL;
  const e2eName = "portal_e2e";
  const onAdminConnection = async (statement: string) => {
    const admin = new Client({ connectionString: baseUrl });
    await admin.connect();
    try {
      await admin.query(statement);
    } finally {
      await admin.end();
    }
  };
  if (baseUrl) {
    await onAdminConnection(`DROP DATABASE IF EXISTS ${e2eName} WITH (FORCE)`);
    await onAdminConnection(`CREATE DATABASE ${e2eName}`);
    const url = new URL(baseUrl);
    url.pathname = `/${e2eName}`;
    process.env.DATABASE_URL = url.toString();
  }

  const { startPortal } = await import("../server");
  const portal = await startPortal();
  console.log(`e2e portal ready at ${portal.url} (${portal.runtime.database.kind})`);
  const stop = async () => {
    await portal.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (baseUrl) await onAdminConnection(`DROP DATABASE IF EXISTS ${e2eName} WITH (FORCE)`).catch((error: unknown) => console.error("could not drop the e2e database", error));
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
