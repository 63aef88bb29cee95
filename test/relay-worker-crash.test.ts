/**
 * Relays run on protocol worker threads. A thread that dies mid-relay ends its attempt as
 * "interrupted" (not a payer failure), the transfer is retried, resumes from the remote temp file
 * and is delivered exactly once with the same bytes.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RelayRuntime } from "@/lib/transfers/queue/runtime";
import { relayQueue } from "@/lib/transfers/queue/queue";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { workerPools } from "@/lib/workers/registry";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import {
  createRelayDestination,
  startTestRelay,
  eventually,
  fastRelayConfig,
  loadAttempts,
  remoteFiles,
  sha256,
  stageTransfer,
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
let relay: RelayRuntime;

beforeAll(async () => {
  keys = await upstreamKeyPair();
  payer = await startSandboxSftpServer({ rootDir: payerRoot, users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }] });
  const handle = database.handle();
  relay = await startTestRelay(handle, fastRelayConfig({ concurrency: 1 }));
});
afterAll(async () => {
  await relay?.stop({ graceMs: 1000 });
  await payer?.close();
});

describe("a protocol worker thread that dies mid-relay", () => {
  it("ends the attempt as interrupted, and the retry delivers the file exactly once", async () => {
    const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
    const { transfer, content, remoteName } = await stageTransfer(target, { bytes: FILE_BYTES });
    payer.setFaults({ slowLinkBytesPerSecond: 64 * 1024 });
    await relayQueue().enqueue(transfer.id);

    const partPath = path.join(payerRoot, "incoming", `${remoteName}.part`);
    await eventually(() => (fs.existsSync(partPath) && fs.statSync(partPath).size > 32 * 1024) || undefined, "the upload to be under way", 30_000);
    expect(await workerPools().protocol.killThreadsRunning("deliver")).toBe(1);
    payer.setFaults({});

    const row = await waitForStatus(transfer.id, ["delivered", "needs_attention", "failed"], 60_000);
    expect(row.status).toBe("delivered");
    const attempts = await loadAttempts(transfer.id);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toMatchObject({ errorCode: "RELAY_INTERRUPTED" });
    expect(attempts[0].transcript.some((line: { message: string }) => /Connected to/.test(line.message))).toBe(true);
    expect(attempts[1]).toMatchObject({ errorCode: null, bytes: content.length });
    expect(attempts[1].resumedFromByte).toBeGreaterThan(0);
    expect(remoteFiles(payerRoot)).toEqual([remoteName]);
    expect(sha256(fs.readFileSync(path.join(payerRoot, "incoming", remoteName)))).toBe(sha256(content));
    expect(workerPools().protocol.stats().lost).toBe(1);
  });
});
