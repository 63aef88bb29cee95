/**
 * One slow payer must not starve the others. Files to a payer behind a 32 KiB/s link are queued
 * first and would take every relay slot with an oldest-first queue; with the per-destination limit
 * (relay_concurrency, default 2) and round-robin across organisations, another organisation's
 * files to another payer go out at once. The slow payer's own files finish too: acknowledged
 * writes keep the SSH connection alive however long the keepalive replies queue behind the data.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, inArray } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, transferAttempts, transfers } from "@/db/schema";
import type { RelayRuntime } from "@/lib/transfers/queue/runtime";
import { relayQueue } from "@/lib/transfers/queue/queue";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import {
  createRelayDestination,
  startTestRelay,
  eventually,
  fastRelayConfig,
  sha256,
  stageTransfer,
  upstreamKeyPair,
  UPSTREAM_PASSWORD,
  UPSTREAM_USER,
} from "@/test/support/queue";
import { startTcpProxy, type TcpProxy } from "@/test/support/tcp-proxy";

const { dataDir } = useTemporaryPortalEnv();
const database = withTestDatabase();
const SLOW_FILES = 6;
const SLOW_BYTES = 128 * 1024;
const FAST_FILES = 4;

let keys: Awaited<ReturnType<typeof upstreamKeyPair>>;
let slowPayer: SandboxSftpServer;
let fastPayer: SandboxSftpServer;
let proxy: TcpProxy;
let relay: RelayRuntime;

beforeAll(async () => {
  keys = await upstreamKeyPair();
  const users = [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }];
  slowPayer = await startSandboxSftpServer({ rootDir: path.join(dataDir, "slow-payer"), users });
  fastPayer = await startSandboxSftpServer({ rootDir: path.join(dataDir, "fast-payer"), users });
  proxy = await startTcpProxy(slowPayer.port, { bytesPerSecond: 32 * 1024 });
  const handle = database.handle();
  relay = await startTestRelay(handle, fastRelayConfig({ concurrency: 4, maxAttempts: 1 }));
});
afterAll(async () => {
  await relay?.stop({ graceMs: 1000 });
  await proxy?.close();
  await slowPayer?.close();
  await fastPayer?.close();
});

async function statuses(ids: string[]) {
  const db = await getDb();
  return db.select({ id: transfers.id, status: transfers.status }).from(transfers).where(inArray(transfers.id, ids));
}

describe("fair relaying", () => {
  it("a payer on a slow link delays only its own files, and its own files finish without keepalive failures", async () => {
    const db = await getDb();
    const slow = await createRelayDestination({ port: proxy.port, hostKeyFingerprint: slowPayer.hostKeyFingerprint, keys });
    // Keepalives every second, three unanswered allowed: without acknowledged progress counting as
    // a sign of life, a 32 KiB/s link would cut each of these uploads after about 4 seconds.
    await db.update(destinations).set({ idleTimeoutMs: 3000 }).where(eq(destinations.id, slow.destinationId));
    const fast = await createRelayDestination({ port: fastPayer.port, hostKeyFingerprint: fastPayer.hostKeyFingerprint, keys });

    const slowFiles = [];
    for (let i = 0; i < SLOW_FILES; i++) slowFiles.push(await stageTransfer(slow, { bytes: SLOW_BYTES }));
    const slowIds = slowFiles.map((f) => f.transfer.id);
    for (const id of slowIds) await relayQueue().enqueue(id);
    await eventually(async () => (await statuses(slowIds)).some((r) => r.status === "sending") || undefined, "the slow payer's uploads to start");

    const fastFiles = [];
    for (let i = 0; i < FAST_FILES; i++) fastFiles.push(await stageTransfer(fast, { bytes: 2048 }));
    const fastIds = fastFiles.map((f) => f.transfer.id);
    for (const id of fastIds) await relayQueue().enqueue(id);

    // Sample while the fast files go out: the slow payer never holds more than its two slots.
    let mostSlowSending = 0;
    await eventually(async () => {
      const slowNow = await statuses(slowIds);
      mostSlowSending = Math.max(mostSlowSending, slowNow.filter((r) => r.status === "sending").length);
      return (await statuses(fastIds)).every((r) => r.status === "delivered") || undefined;
    }, "the other payer's files to be delivered", 30_000);
    const slowDeliveredMeanwhile = (await statuses(slowIds)).filter((r) => r.status === "delivered").length;
    expect(slowDeliveredMeanwhile).toBeLessThan(SLOW_FILES - 2); // the fast files did not wait for the slow queue
    expect(mostSlowSending).toBeLessThanOrEqual(2);
    for (const { remoteName, content } of fastFiles) expect(sha256(fs.readFileSync(path.join(dataDir, "fast-payer", "incoming", remoteName)))).toBe(sha256(content));

    // The slow payer's files all arrive, each in one attempt (maxAttempts 1: a keepalive cut would fail it).
    await eventually(async () => (await statuses(slowIds)).every((r) => ["delivered", "failed", "needs_attention"].includes(r.status)) || undefined, "the slow payer's files to finish", 90_000);
    expect((await statuses(slowIds)).map((r) => r.status)).toEqual(slowIds.map(() => "delivered"));
    const attempts = await db.select().from(transferAttempts).where(inArray(transferAttempts.transferId, slowIds));
    expect(attempts.map((a) => a.errorCode)).toEqual(slowIds.map(() => null));
    for (const { remoteName, content } of slowFiles) expect(sha256(fs.readFileSync(path.join(dataDir, "slow-payer", "incoming", remoteName)))).toBe(sha256(content));
  });
});
