/**
 * Nothing sent twice when the database goes away mid-relay. The upload finishes and is renamed on
 * the payer while the database is unreachable; the worker keeps trying to record the outcome until
 * the database answers (and a worker that takes the transfer over checks the payer before sending).
 * The end: delivered once, no temp file left, and no "action needed" email for a delivered file.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb, openDatabase, type DatabaseHandle } from "@/db/client";
import { applyMigrations } from "@/db/migrate";
import { notificationEvents, transferAttempts } from "@/db/schema";
import type { RelayRuntime } from "@/lib/transfers/queue/runtime";
import { installTestDatabase, uninstallTestDatabase } from "@/test/support/db";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { startTcpProxy, type TcpProxy } from "@/test/support/tcp-proxy";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import {
  createRelayDestination,
  eventually,
  fastRelayConfig,
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
const serverUrl = process.env.DATABASE_URL;
const FILE_BYTES = 1024 * 1024;
const payerRoot = path.join(dataDir, "payer");

let keys: Awaited<ReturnType<typeof upstreamKeyPair>>;
let payer: SandboxSftpServer | undefined;
let proxy: TcpProxy | undefined;
let admin: DatabaseHandle | undefined;
let handle: DatabaseHandle | undefined;
let relay: RelayRuntime | undefined;
const databaseName = `portal_outage_${crypto.randomBytes(5).toString("hex")}`;

beforeAll(async () => {
  if (!serverUrl) return;
  keys = await upstreamKeyPair();
  payer = await startSandboxSftpServer({ rootDir: payerRoot, users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }] });
  admin = await openDatabase({ databaseUrl: serverUrl });
  await admin.raw.exec(`CREATE DATABASE ${databaseName}`);
  const server = new URL(serverUrl);
  proxy = await startTcpProxy(Number(server.port || 5432));
  const viaProxy = new URL(serverUrl);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  viaProxy.pathname = `/${databaseName}`;
  handle = await openDatabase({ databaseUrl: viaProxy.toString() });
  await applyMigrations(handle);
  installTestDatabase(handle);
  relay = await startTestRelay(handle, fastRelayConfig({ concurrency: 1, leaseSeconds: 2 }), { databaseUrl: viaProxy.toString() });
});
afterAll(async () => {
  await relay?.stop({ graceMs: 1000 });
  uninstallTestDatabase();
  await handle?.raw.close();
  await proxy?.close();
  await admin?.raw.exec(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin?.raw.close();
  await payer?.close();
});

describe("the database away while a file is in flight", () => {
  it.skipIf(!serverUrl)("PostgreSQL unreachable for 6 s mid-upload: delivered exactly once, no temp file, no false alarm", async () => {
    const target = await createRelayDestination({ port: payer!.port, hostKeyFingerprint: payer!.hostKeyFingerprint, keys });
    const { transfer, content, remoteName } = await stageTransfer(target, { bytes: FILE_BYTES });
    payer!.setFaults({ slowLinkBytesPerSecond: 512 * 1024 });
    await relay!.enqueue(transfer.id);

    const partPath = path.join(payerRoot, "incoming", `${remoteName}.part`);
    await eventually(() => (fs.existsSync(partPath) && fs.statSync(partPath).size > 64 * 1024) || undefined, "the upload to be under way", 30_000);
    await proxy!.cut(6_000);
    // The upload completes and is renamed on the payer while the database is away.
    await eventually(() => remoteFiles(payerRoot).includes(remoteName) || undefined, "the file to be renamed into place", 20_000);

    const row = await waitForStatus(transfer.id, ["delivered", "needs_attention", "failed"], 60_000);
    expect(row.status).toBe("delivered");
    expect(remoteFiles(payerRoot)).toEqual([remoteName]); // no .part left behind
    expect(sha256(fs.readFileSync(path.join(payerRoot, "incoming", remoteName)))).toBe(sha256(content));

    const db = await getDb();
    const attempts = await db.select().from(transferAttempts).where(eq(transferAttempts.transferId, transfer.id));
    expect(attempts.filter((a) => a.errorCode === null && a.finishedAt)).not.toHaveLength(0);
    expect(attempts.map((a) => a.errorCode).filter((code) => code === "RENAME_REFUSED" || code === "SIZE_MISMATCH")).toEqual([]);
    // A retry that took over found the file instead of sending it again, and says so.
    for (const attempt of attempts.slice(1)) {
      if (attempt.errorCode === null) expect(JSON.stringify(attempt.transcript)).toMatch(/already on the server with the same size/);
    }
    const events = await db.select().from(notificationEvents).where(eq(notificationEvents.transferId, transfer.id));
    expect(events.map((e) => e.type)).toEqual(["transfer.delivered"]);
  });
});
