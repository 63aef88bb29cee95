/**
 * A process told to stop (SIGTERM) while a relay is under way gives it the grace period, then hands
 * it back: the attempt ends as interrupted (not the payer's failure, and never the one that uses up
 * the budget), the transfer goes back to the queue at once instead of waiting for its lease, and the
 * next worker resumes the upload and delivers the file exactly once.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayQueue } from "@/lib/transfers/queue/queue";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import {
  createRelayDestination,
  eventually,
  fastRelayConfig,
  loadAttempts,
  loadTransfer,
  remoteFiles,
  sha256,
  stageTransfer,
  startTestRelay,
  upstreamKeyPair,
  UPSTREAM_PASSWORD,
  UPSTREAM_USER,
  waitForStatus,
} from "@/test/support/queue";

const { dataDir } = useTemporaryPortalEnv();
const database = withTestDatabase();
const FILE_BYTES = 512 * 1024;
const payerRoot = path.join(dataDir, "payer");

let keys: Awaited<ReturnType<typeof upstreamKeyPair>>;
let payer: SandboxSftpServer;

beforeAll(async () => {
  keys = await upstreamKeyPair();
  payer = await startSandboxSftpServer({ rootDir: payerRoot, users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }] });
});
afterAll(async () => {
  await payer?.close();
});

describe("a relay in flight when its process stops", () => {
  it("is handed back after the grace period and delivered once by the next worker", async () => {
    // One attempt in the budget: a hand-back must not count as the attempt that fails the transfer.
    const config = fastRelayConfig({ concurrency: 1, maxAttempts: 1, leaseSeconds: 60 });
    const stopping = await startTestRelay(database.handle(), config);
    const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
    const { transfer, content, remoteName } = await stageTransfer(target, { bytes: FILE_BYTES });
    payer.setFaults({ slowLinkBytesPerSecond: 64 * 1024 });
    await relayQueue().enqueue(transfer.id);

    const partPath = path.join(payerRoot, "incoming", `${remoteName}.part`);
    await eventually(() => (fs.existsSync(partPath) && fs.statSync(partPath).size > 32 * 1024) || undefined, "the upload to be under way", 30_000);
    const stoppedAt = Date.now();
    await stopping.stop({ graceMs: 300 });
    // Handed back, not left "sending" until its 60 s lease runs out.
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    const handedBack = await loadTransfer(transfer.id);
    expect(handedBack.status).toBe("queued");
    const [interrupted] = await loadAttempts(transfer.id);
    expect(interrupted).toMatchObject({ errorCode: "RELAY_INTERRUPTED" });
    expect(interrupted.finishedAt).not.toBeNull();

    payer.setFaults({});
    const next = await startTestRelay(database.handle(), config);
    try {
      const row = await waitForStatus(transfer.id, ["delivered", "needs_attention", "failed"], 60_000);
      expect(row.status).toBe("delivered");
    } finally {
      await next.stop({ graceMs: 1000 });
    }
    const attempts = await loadAttempts(transfer.id);
    expect(attempts.map((attempt) => attempt.errorCode)).toEqual(["RELAY_INTERRUPTED", null]);
    expect(attempts[1].resumedFromByte).toBeGreaterThan(0);
    expect(remoteFiles(payerRoot)).toEqual([remoteName]);
    expect(sha256(fs.readFileSync(path.join(payerRoot, "incoming", remoteName)))).toBe(sha256(content));
  });
});
