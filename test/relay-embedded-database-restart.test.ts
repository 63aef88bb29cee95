/**
 * The relay carries on when the embedded database process is killed and the portal restarts it:
 * the file in flight is delivered once, and files queued afterwards go out through the same relay
 * runtime and pg-boss (which share the handle's pool), without restarting the portal.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb, pgliteDirFor } from "@/db/client";
import { notificationEvents, transferAttempts } from "@/db/schema";
import { databaseAvailability } from "@/lib/health/database-status";
import type { Runtime } from "@/lib/runtime";
import { startRuntime } from "@/lib/runtime/start";
import { workerPools } from "@/lib/workers/registry";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import {
  createRelayDestination,
  eventually,
  fastRelayConfig,
  remoteFiles,
  sha256,
  stageTransfer,
  upstreamKeyPair,
  UPSTREAM_PASSWORD,
  UPSTREAM_USER,
  waitForStatus,
} from "@/test/support/queue";

const { dataDir } = useTemporaryPortalEnv();
const onPostgres = Boolean(process.env.DATABASE_URL);
const FILE_BYTES = 1024 * 1024;
const payerRoot = path.join(dataDir, "payer");
const pgliteDir = pgliteDirFor(dataDir);

let payer: SandboxSftpServer | undefined;
let runtime: Runtime | undefined;
let keys: Awaited<ReturnType<typeof upstreamKeyPair>>;
const lost: string[] = [];

beforeAll(async () => {
  if (onPostgres) return;
  keys = await upstreamKeyPair();
  payer = await startSandboxSftpServer({ rootDir: payerRoot, users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }] });
  // A runtime as the portal builds it: the supervised embedded database (its availability recorded)
  // and the relay on it; it stands in for the test set-up's runtime until it stops.
  runtime = await startRuntime({
    role: "test",
    database: { open: { pgliteDir, onDatabaseLost: (reason) => lost.push(reason) } },
    migrate: true,
    queues: { config: fastRelayConfig({ concurrency: 1, leaseSeconds: 2 }) },
    workers: workerPools(),
  });
});
afterAll(async () => {
  await runtime?.stop({ graceMs: 1000 });
  await payer?.close();
});

describe("the relay across a restart of the embedded database", () => {
  it.skipIf(onPostgres)("delivers the file in flight once, and the files queued after the restart", async () => {
    const target = await createRelayDestination({ port: payer!.port, hostKeyFingerprint: payer!.hostKeyFingerprint, keys });
    const { transfer, content, remoteName } = await stageTransfer(target, { bytes: FILE_BYTES });
    payer!.setFaults({ slowLinkBytesPerSecond: 512 * 1024 });
    await runtime!.relayQueue.enqueue(transfer.id);

    const partPath = path.join(payerRoot, "incoming", `${remoteName}.part`);
    await eventually(() => (fs.existsSync(partPath) && fs.statSync(partPath).size > 64 * 1024) || undefined, "the upload to be under way", 30_000);
    const killed = Number(fs.readFileSync(`${pgliteDir}.lock`, "utf8"));
    process.kill(killed, "SIGKILL");
    await eventually(() => databaseAvailability().state === "restarting" || undefined, "the database to be restarting", 20_000);
    await eventually(() => databaseAvailability().state === "up" || undefined, "the database to be back", 60_000);
    expect(databaseAvailability().restarts).toBe(1);

    const row = await waitForStatus(transfer.id, ["delivered", "needs_attention", "failed"], 60_000);
    expect(row.status).toBe("delivered");
    expect(remoteFiles(payerRoot)).toEqual([remoteName]); // once, and no .part left behind
    expect(sha256(fs.readFileSync(path.join(payerRoot, "incoming", remoteName)))).toBe(sha256(content));
    const db = await getDb();
    const attempts = await db.select().from(transferAttempts).where(eq(transferAttempts.transferId, transfer.id));
    expect(attempts.filter((a) => a.errorCode === null && a.finishedAt)).not.toHaveLength(0);
    expect(attempts.map((a) => a.errorCode).filter((code) => code === "RENAME_REFUSED" || code === "SIZE_MISMATCH")).toEqual([]);
    const events = await db.select().from(notificationEvents).where(eq(notificationEvents.transferId, transfer.id));
    expect(events.map((e) => e.type)).toEqual(["transfer.delivered"]);

    // New work after the restart: queued and delivered by the same runtime, no portal restart.
    payer!.setFaults({});
    const next = await stageTransfer(target, { bytes: 4096 });
    await runtime!.relayQueue.enqueue(next.transfer.id);
    expect((await waitForStatus(next.transfer.id, ["delivered", "needs_attention", "failed"], 60_000)).status).toBe("delivered");
    expect(remoteFiles(payerRoot)).toEqual([remoteName, next.remoteName].sort());
    expect(lost).toEqual([]);
  }, 180_000);
});
