import { Client } from "pg";
import type { CleanupStack } from "../shared/cleanup";

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database next to the one in DATABASE_URL (never that one itself), dropped by the cleanup
 * stack even when the run fails. The role needs CREATEDB, as for the test suite.
 */
export async function createScratchDatabase(baseUrl: string, purpose: string, cleanup: CleanupStack): Promise<ScratchDatabase> {
  const name = `portal_bench_${purpose}_${process.pid}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    const client = new Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  cleanup.add(`drop the scratch database ${name}`, drop);
  return { name, url: url.toString(), drop };
}
