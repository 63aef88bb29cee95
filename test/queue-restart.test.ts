import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, pgliteDirFor, type DatabaseHandle } from "@/db/client";
import { applyMigrations } from "@/db/migrate";
import { startRelayRuntime } from "@/lib/transfers/queue/runtime";
import { INTERRUPTED_MESSAGE } from "@/lib/transfers/queue/claims";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { createTestDatabase, installTestDatabase, uninstallTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import {
  createRelayDestination,
  databaseUrlOf,
  eventually,
  fastRelayConfig,
  loadAttempts,
  loadTransfer,
  relayEnv,
  remoteFiles,
  sha256,
  spawnEmbeddedPortalRelay,
  spawnWorkerScript,
  stageTransfer,
  upstreamKeyPair,
  UPSTREAM_PASSWORD,
  UPSTREAM_USER,
  waitForOutput,
  waitForStatus,
  type ChildRelay,
} from "@/test/support/queue";

const { dataDir, masterKey } = useTemporaryPortalEnv();
const onPostgres = Boolean(process.env.DATABASE_URL);
const config = fastRelayConfig({ leaseSeconds: 2, concurrency: 1 });
const FILE_BYTES = 384 * 1024;
const payerRoot = path.join(dataDir, "payer");

let payer: SandboxSftpServer;
let keys: Awaited<ReturnType<typeof upstreamKeyPair>>;
let disposeDatabase: (() => Promise<void>) | undefined;
const children: ChildRelay[] = [];

beforeAll(async () => {
  keys = await upstreamKeyPair();
  payer = await startSandboxSftpServer({ rootDir: payerRoot, users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }] });
});
afterAll(async () => {
  await Promise.all(children.map((child) => child.kill("SIGKILL")));
  uninstallTestDatabase();
  await disposeDatabase?.();
  await payer?.close();
});

async function useDatabase(handle: DatabaseHandle, dispose: () => Promise<void>) {
  installTestDatabase(handle);
  disposeDatabase = dispose;
}

/** Stage a file and queue it, from this process, without running a worker here. */
async function queueOneFile(handle: DatabaseHandle) {
  const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
  const staged = await stageTransfer(target, { bytes: FILE_BYTES });
  const producer = await startRelayRuntime({ handle, databaseUrl: await databaseUrlOf(handle), config: { ...config, concurrency: 0 } });
  await producer.enqueue(staged.transfer.id);
  await producer.stop();
  return staged;
}

/** Waits until the upstream temp file holds part of the file, then kills the relay process outright. */
async function killMidTransfer(relay: ChildRelay, remoteName: string): Promise<number> {
  const partPath = path.join(payerRoot, "incoming", `${remoteName}.part`);
  const partial = await eventually(() => {
    if (relay.child.exitCode !== null) throw new Error(`relay exited early:\n${relay.output()}`);
    const size = fs.existsSync(partPath) ? fs.statSync(partPath).size : 0;
    return size > 32 * 1024 ? size : undefined;
  }, "the upload to be under way", 30_000);
  expect(await relay.kill("SIGKILL")).toBe("SIGKILL");
  expect(fs.statSync(partPath).size).toBeLessThan(FILE_BYTES);
  return partial;
}

function childEnv(extra: Record<string, string> = {}) {
  return { DATA_DIR: dataDir, PORTAL_MASTER_KEY: masterKey, ALLOW_PRIVATE_DESTINATIONS: "true", ...relayEnv(config), ...extra };
}

function expectResumedDelivery(attempts: Awaited<ReturnType<typeof loadAttempts>>, content: Buffer, remoteName: string) {
  expect(attempts).toHaveLength(2);
  expect(attempts[0]).toMatchObject({ errorCode: "CONNECTION_LOST", errorMessage: INTERRUPTED_MESSAGE });
  expect(attempts[1]).toMatchObject({ errorCode: null, bytes: content.length });
  expect(attempts[1].resumedFromByte).toBeGreaterThan(0);
  expect(remoteFiles(payerRoot)).toEqual([remoteName]);
  expect(sha256(fs.readFileSync(path.join(payerRoot, "incoming", remoteName)))).toBe(sha256(content));
}

describe("a relay interrupted by a restart", () => {
  it.skipIf(onPostgres)("resumes on the embedded database when the portal starts again, and delivers once", async () => {
    const pgliteDir = pgliteDirFor(dataDir);
    let handle = await openDatabase({ pgliteDir });
    await applyMigrations(handle);
    await useDatabase(handle, () => handle.raw.close());
    const { transfer, content, remoteName } = await queueOneFile(handle);
    // The portal owns the embedded database: hand it over to the child "portal" process.
    uninstallTestDatabase();
    disposeDatabase = undefined;
    await handle.raw.close();

    payer.setFaults({ slowLinkBytesPerSecond: 64 * 1024 });
    const first = spawnEmbeddedPortalRelay(pgliteDir, childEnv());
    children.push(first);
    await killMidTransfer(first, remoteName);

    payer.setFaults({});
    const second = spawnEmbeddedPortalRelay(pgliteDir, childEnv());
    children.push(second);
    await waitForOutput(second, /embedded relay ready/);
    await eventually(() => remoteFiles(payerRoot).includes(remoteName) || undefined, "the file to arrive upstream", 30_000);
    await waitForOutput(second, /"status":"delivered"/);
    const secondExit = await second.kill("SIGTERM");
    expect(secondExit, `the relay process did not stop cleanly:\n${second.output()}`).toBe(0);

    handle = await openDatabase({ pgliteDir });
    await useDatabase(handle, () => handle.raw.close());
    const row = await loadTransfer(transfer.id);
    expect(row).toMatchObject({ status: "delivered", attemptCount: 2 });
    expectResumedDelivery(await loadAttempts(transfer.id), content, remoteName);
  });

  it.skipIf(!onPostgres)("is taken over on PostgreSQL by the next worker once the dead worker's lease runs out", async () => {
    const database = await createTestDatabase();
    await useDatabase(database.handle, database.dispose);
    const url = (await databaseUrlOf(database.handle))!;
    const { transfer, content, remoteName } = await queueOneFile(database.handle);

    payer.setFaults({ slowLinkBytesPerSecond: 64 * 1024 });
    const first = spawnWorkerScript(childEnv({ DATABASE_URL: url }));
    children.push(first);
    await killMidTransfer(first, remoteName);
    expect((await loadTransfer(transfer.id)).status).toBe("sending");

    payer.setFaults({});
    const second = spawnWorkerScript(childEnv({ DATABASE_URL: url }));
    children.push(second);
    const row = await waitForStatus(transfer.id, ["delivered", "failed", "needs_attention"], 30_000);
    expect(row).toMatchObject({ status: "delivered", attemptCount: 2 });
    expectResumedDelivery(await loadAttempts(transfer.id), content, remoteName);
    const secondExit = await second.kill("SIGTERM"); if (secondExit !== 0) console.log("CHILD OUTPUT", second.output().split("\n").filter((l) => !l.startsWith("{\"at")).join("\n"));
    expect(secondExit).toBe(0);
  });
});
