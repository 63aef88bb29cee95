import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, inArray } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, transferAttempts, transfers } from "@/db/schema";
import { RELAY_QUEUE, startRelayRuntime } from "@/lib/transfers/queue/runtime";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { createTestDatabase, installTestDatabase, uninstallTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import {
  createRelayDestination,
  databaseUrlOf,
  eventually,
  fastRelayConfig,
  relayEnv,
  remoteFiles,
  sha256,
  spawnWorkerScript,
  stageTransfer,
  upstreamKeyPair,
  UPSTREAM_PASSWORD,
  UPSTREAM_USER,
  waitForOutput,
  type ChildRelay,
} from "@/test/support/queue";

const { dataDir, masterKey } = useTemporaryPortalEnv();
const children: ChildRelay[] = [];
afterAll(async () => {
  await Promise.all(children.map((child) => child.kill("SIGKILL")));
});

describe("npm run worker", () => {
  it("refuses to start on the embedded database, in one line", async () => {
    const worker = spawnWorkerScript({ DATABASE_URL: "", DATA_DIR: dataDir });
    children.push(worker);
    expect(await worker.exited).toBe(2);
    const lines = worker.output().trim().split("\n");
    expect(lines).toEqual([expect.stringMatching(/needs PostgreSQL \(DATABASE_URL\).*portal process runs the relay workers itself/)]);
    expect(fs.existsSync(path.join(dataDir, "pglite"))).toBe(false);
  });
});

const skipReason = "needs PostgreSQL: several worker processes cannot share the embedded database (CI runs this with DATABASE_URL)";

describe.skipIf(!process.env.DATABASE_URL)(`two worker processes on PostgreSQL (${process.env.DATABASE_URL ? "running" : `skipped: ${skipReason}`})`, () => {
  const FILES = 50;
  let payer: SandboxSftpServer;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const payerRoot = path.join(dataDir, "payer");

  beforeAll(async () => {
    database = await createTestDatabase();
    installTestDatabase(database.handle);
    const keys = await upstreamKeyPair();
    payer = await startSandboxSftpServer({ rootDir: payerRoot, users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }] });
    const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
    // A payer that takes many sessions at once: both processes' slots can work on it.
    await (await getDb()).update(destinations).set({ relayConcurrency: 8 }).where(eq(destinations.id, target.destinationId));
    staged = [];
    for (let i = 0; i < FILES; i++) staged.push(await stageTransfer(target, { bytes: 4096 }));
  });
  afterAll(async () => {
    await Promise.all(children.map((child) => child.kill("SIGTERM")));
    await payer?.close();
    uninstallTestDatabase();
    await database?.dispose();
  });
  let staged: Awaited<ReturnType<typeof stageTransfer>>[] = [];

  it(`deliver ${FILES} queued files, each exactly once`, async () => {
    const url = (await databaseUrlOf(database.handle))!;
    const config = fastRelayConfig({ concurrency: 4 });
    const env = { DATABASE_URL: url, DATA_DIR: dataDir, PORTAL_MASTER_KEY: masterKey, ALLOW_PRIVATE_DESTINATIONS: "true", ...relayEnv(config) };
    const workers = [spawnWorkerScript(env), spawnWorkerScript(env)];
    children.push(...workers);
    await Promise.all(workers.map((worker) => waitForOutput(worker, /relay worker ready/)));

    const producer = await startRelayRuntime({ handle: database.handle, databaseUrl: url, config: { ...config, concurrency: 0 } });
    const ids = staged.map((s) => s.transfer.id);
    try {
      await Promise.all(ids.map((id) => producer.enqueue(id)));
    } finally {
      await producer.stop();
    }

    const db = await getDb();
    const rows = await eventually(async () => {
      const current = await db.select().from(transfers).where(inArray(transfers.id, ids));
      return current.every((row) => ["delivered", "failed", "needs_attention"].includes(row.status)) ? current : undefined;
    }, `all ${FILES} transfers to finish`, 60_000);
    expect(rows.map((row) => row.status)).toEqual(ids.map(() => "delivered"));

    const attempts = await db.select().from(transferAttempts).where(inArray(transferAttempts.transferId, ids));
    expect(attempts).toHaveLength(FILES);
    expect(new Set(attempts.map((a) => a.transferId)).size).toBe(FILES);
    expect(attempts.every((a) => a.errorCode === null && a.finishedAt)).toBe(true);

    expect(remoteFiles(payerRoot)).toEqual(staged.map((s) => s.remoteName).sort());
    for (const { remoteName, content } of staged) {
      expect(sha256(fs.readFileSync(path.join(payerRoot, "incoming", remoteName)))).toBe(sha256(content));
    }
    const jobs = await database.handle.raw.query<{ key: string; n: number }>(
      `SELECT singleton_key AS key, count(*)::int AS n FROM pgboss.job WHERE name = $1 GROUP BY singleton_key`,
      [RELAY_QUEUE],
    );
    expect(jobs.rows).toHaveLength(FILES);
    expect(jobs.rows.every((row) => row.n === 1)).toBe(true);

    // Both processes took part (each logs the attempts it ran).
    const deliveredBy = workers.map((worker) => (worker.output().match(/"message":"relay attempt finished"/g) ?? []).length);
    expect(deliveredBy[0] + deliveredBy[1]).toBe(FILES);
    expect(Math.min(...deliveredBy)).toBeGreaterThan(0);
  });
});
