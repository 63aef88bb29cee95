/**
 * Starts the portal for Playwright on a clean database: a fresh PGlite directory, or a freshly
 * created PostgreSQL database next to the one in DATABASE_URL (never the one in DATABASE_URL itself).
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
  if (baseUrl) {
    const e2eName = "portal_e2e";
    const admin = new Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${e2eName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${e2eName}`);
    await admin.end();
    const url = new URL(baseUrl);
    url.pathname = `/${e2eName}`;
    process.env.DATABASE_URL = url.toString();
  }

  const { startPortal } = await import("../server");
  const portal = await startPortal();
  console.log(`e2e portal ready at ${portal.url} (${portal.runtime.database.kind})`);
  const stop = async () => {
    await portal.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
