/**
 * The portal as a cluster (issue 19): two web instances and one relay worker — real processes,
 * the instances from the production build as `npm start` runs them — on one PostgreSQL database
 * and one shared DATA_DIR (the staging volume), behind a round-robin proxy, delivering to a real
 * SFTP server (the sandbox payer).
 *
 *   - The instances start at the same moment on an empty database: the migrations run once.
 *   - Sign-in on one instance is a session on the other (shared AUTH_SECRET), the vault opens on
 *     every process (shared master key).
 *   - An instance is killed (SIGKILL) in the middle of a relay; after its lease another process
 *     takes the transfer over and resumes the upload.
 *   - 30 files go through tus with consecutive PATCHes of each upload on different instances, one
 *     of them cut mid-PATCH and resumed on the other instance; 10 through the API (/api/v1).
 *   - All 40 arrive exactly once with their SHA-256, and the live status the upload page polls
 *     says "delivered" on both instances, whichever process relayed each file.
 *   - SIGTERM: an instance finishes the upload it is receiving, takes no new connection, and exits 0.
 *
 * Runs after `npm run build` (scripts/test-all.sh: vitest.cluster.config.ts), on PostgreSQL only.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, inArray } from "drizzle-orm";
import { Upload } from "tus-js-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb, openDatabase, type DatabaseHandle } from "@/db/client";
import { destinations, transferAttempts, transfers } from "@/db/schema";
import { createApiToken } from "@/lib/api/tokens";
import { UPLOAD_LOCK_NAMESPACE } from "@/lib/transfers/intake/tus-locker";
import { resetEnvCache } from "@/lib/env";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { closedPort } from "@/test/support/closed-port";
import { processConnectedTo } from "@/test/support/connection-owner";
import { installTestDatabase, uninstallTestDatabase } from "@/test/support/db";
import { actorFor, createUser, TEST_PASSWORD } from "@/test/support/factories";
import { productionBuildPresent, spawnPortalInstance, waitUntilReady } from "@/test/support/portal-instance";
import { startRoundRobinProxy, type RoundRobinProxy } from "@/test/support/round-robin-proxy";
import { createRelayDestination, eventually, fastRelayConfig, relayEnv, spawnWorkerScript, upstreamKeyPair, UPSTREAM_PASSWORD, UPSTREAM_USER, waitForOutput, type ChildRelay, type RelayDestination } from "@/test/support/queue";

const skipReason = "needs PostgreSQL: several portal processes cannot share the embedded database, which has one owner process (CI runs this with DATABASE_URL)";
const TUS_FILES = 30;
const API_FILES = 10;
const TUS_FILE_BYTES = 80 * 1024;
const TUS_CHUNK_BYTES = 32 * 1024;
const SLOW_FILE_BYTES = 1024 * 1024;
const LEASE_SECONDS = 3;

const sha256 = (content: Buffer) => crypto.createHash("sha256").update(content).digest("hex");
type Instance = ReturnType<typeof spawnPortalInstance>;

describe.skipIf(!process.env.DATABASE_URL)(`two web instances and a worker on PostgreSQL (${process.env.DATABASE_URL ? "running" : `skipped: ${skipReason}`})`, () => {
  // Made in beforeAll, not at load: a skipped run must leave no temp directory behind.
  let dataDir: string;
  let masterKey: string;
  let payerRoot: string;
  const databaseName = `portal_cluster_${crypto.randomBytes(5).toString("hex")}`;
  let admin: DatabaseHandle;
  let handle: DatabaseHandle;
  let databaseUrl: string;
  let payer: SandboxSftpServer;
  let proxy: RoundRobinProxy;
  const ports: number[] = [];
  const instances: Instance[] = [];
  const children: ChildRelay[] = [];
  let clusterEnv: Record<string, string>;
  let target: RelayDestination;
  let apiToken: string;
  let partnerEmail: string;
  /** Every file sent, by the name it has on the payer. */
  const sent = new Map<string, { transferId: string; sha256: string; channel: "tus" | "api" }>();

  const startInstance = (index: number) => {
    const instance = spawnPortalInstance(ports[index], clusterEnv);
    instances[index] = instance;
    children.push(instance);
    return instance;
  };

  beforeAll(async () => {
    if (!productionBuildPresent()) throw new Error("The cluster test runs the production build: run `npm run build` first (scripts/test-all.sh does).");
    // The shared DATA_DIR (staging volume) and master key, for the instances and this process alike.
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-cluster-"));
    masterKey = crypto.randomBytes(32).toString("base64");
    Object.assign(process.env, { DATA_DIR: dataDir, PORTAL_MASTER_KEY: masterKey, ALLOW_PRIVATE_DESTINATIONS: "true" });
    resetEnvCache();
    payerRoot = path.join(dataDir, "payer");
    admin = await openDatabase({ databaseUrl: process.env.DATABASE_URL! });
    await admin.raw.exec(`CREATE DATABASE ${databaseName}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${databaseName}`;
    databaseUrl = url.toString();

    const keys = await upstreamKeyPair();
    payer = await startSandboxSftpServer({ rootDir: payerRoot, users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }] });
    ports.push(await closedPort(), await closedPort());
    proxy = await startRoundRobinProxy(
      ports.map((port) => `http://127.0.0.1:${port}`),
      // Consecutive PATCHes of one upload go to different instances; everything else takes turns.
      { alternateBy: (method, requestPath) => (method === "PATCH" ? requestPath : undefined) },
    );
    clusterEnv = {
      DATABASE_URL: databaseUrl,
      // The shared staging volume, and the secrets every instance must share (docs: AUTH_SECRET, PORTAL_MASTER_KEY).
      DATA_DIR: dataDir,
      AUTH_SECRET: crypto.randomBytes(32).toString("base64url"),
      PORTAL_MASTER_KEY: masterKey,
      PUBLIC_URL: proxy.url,
      ALLOW_PRIVATE_DESTINATIONS: "true",
      BOOTSTRAP_ADMIN_PASSWORD: `Cluster-${crypto.randomBytes(12).toString("base64url")}`,
      LOG_FORMAT: "json",
      SHUTDOWN_GRACE_SECONDS: "20",
      ...relayEnv(fastRelayConfig({ concurrency: 2, leaseSeconds: LEASE_SECONDS, maxAttempts: 4 })),
    };

    // Both instances at once, on an empty database: one migrates, the other waits for the lock.
    await Promise.all([startInstance(0), startInstance(1)].map((instance) => waitUntilReady(instance)));

    handle = await openDatabase({ databaseUrl });
    installTestDatabase(handle);
    target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
    // Room for every process's relays at once.
    await (await getDb()).update(destinations).set({ relayConcurrency: 8 }).where(eq(destinations.id, target.destinationId));
    const partner = await createUser({ role: "partner", organisationId: target.organisationId, isOrgAdmin: true });
    partnerEmail = partner.email;
    apiToken = (await createApiToken(await actorFor(partner.id), { name: "cluster test" })).token;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(children.map((child) => child.kill("SIGKILL")));
    await proxy?.close();
    await payer?.close();
    uninstallTestDatabase();
    await handle?.raw.close();
    await admin?.raw.exec(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await admin?.raw.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const apiUpload = (name: string, content: Buffer, base = proxy.url) =>
    fetch(`${base}/api/v1/transfers`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/octet-stream", "x-account-id": target.accountId, "x-filename": name, "x-transfer-mode": "test" },
      body: new Uint8Array(content),
    });

  const acceptedApiUpload = async (name: string, content: Buffer) => {
    const response = await apiUpload(name, content);
    const body = (await response.json()) as { id: string; status: string };
    expect(response.status, JSON.stringify(body)).toBe(202);
    expect(body.status).toBe("queued");
    sent.set(name, { transferId: body.id, sha256: sha256(content), channel: "api" });
    return body.id;
  };

  it("migrated once, though both instances started together", async () => {
    const journal = (await import("@/db/migrations/meta/_journal.json")).entries;
    const { rows } = await handle.raw.query<{ n: number }>("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");
    expect(rows[0].n).toBe(journal.length);
    for (const instance of instances) expect(instance.output()).not.toMatch(/could not start/);
  });

  it("hands a relay over after its instance is killed mid-transfer", async () => {
    payer.setFaults({ slowLinkBytesPerSecond: 64 * 1024 });
    const content = crypto.randomBytes(SLOW_FILE_BYTES);
    const name = "CLUSTER-SLOW.TXT";
    const transferId = await acceptedApiUpload(name, content);
    const partPath = path.join(payerRoot, "incoming", `${name}.part`);
    await eventually(() => (fs.existsSync(partPath) && fs.statSync(partPath).size > 128 * 1024) || undefined, "the relay to be under way", 30_000);

    // Only the two instances run relays yet: one of them holds the payer connection.
    const holder = processConnectedTo(payer.port, instances.map((instance) => instance.child.pid!));
    const victim = instances.findIndex((instance) => instance.child.pid === holder);
    expect(victim).toBeGreaterThanOrEqual(0);
    await instances[victim].kill("SIGKILL");
    payer.setFaults({});

    // The survivor takes it over once the lease has run out; the worker and the restarted instance join meanwhile.
    const worker = spawnWorkerScript(clusterEnv);
    children.push(worker);
    await waitForOutput(worker, /relay worker ready/, 60_000);
    await waitUntilReady(startInstance(victim));
    const db = await getDb();
    await eventually(async () => {
      const [row] = await db.select().from(transfers).where(eq(transfers.id, transferId));
      return row.status === "delivered" || undefined;
    }, "the killed relay to be finished by another process", 60_000);

    const attempts = await db.select().from(transferAttempts).where(eq(transferAttempts.transferId, transferId)).orderBy(transferAttempts.number);
    expect(attempts.map((attempt) => attempt.errorCode)).toEqual(["CONNECTION_LOST", null]);
    // The taker-over resumed from the remote temp file of the killed relay.
    expect(attempts[1].resumedFromByte).toBeGreaterThan(0);
    expect(attempts[1].startedAt.getTime() - attempts[0].startedAt.getTime()).toBeGreaterThanOrEqual(LEASE_SECONDS * 1000);
  }, 150_000);

  it("takes 30 tus uploads with each upload's PATCHes on alternating instances (one cut and resumed on the other) and 9 more API uploads", async () => {
    const cookie = await signIn(proxy.url, partnerEmail, TEST_PASSWORD);
    const files = Array.from({ length: TUS_FILES }, (_, i) => ({ name: `CLUSTER-TUS-${String(i + 1).padStart(2, "0")}.TXT`, content: crypto.randomBytes(TUS_FILE_BYTES) }));
    // The 5th upload's first PATCH is cut half-way, as a dropped link would (see RoundRobinProxy.cut).
    // The link drops only once the instance receiving it holds the upload's lock (seen in pg_locks).
    const cut = proxy.cut((method) => method === "PATCH", TUS_CHUNK_BYTES / 2, { before: (entry) => uploadLockHeld(handle, entry.path.split("/").pop()!) });
    const [cutFile, ...rest] = [files[4], ...files.filter((_, i) => i !== 4)];
    const cutUpload = tusUpload(proxy.url, cookie, target.accountId, cutFile.name, cutFile.content);
    const cutEntry = await cut;
    const apiFiles = Array.from({ length: API_FILES - 1 }, (_, i) => ({ name: `CLUSTER-API-${String(i + 1).padStart(2, "0")}.TXT`, content: crypto.randomBytes(48 * 1024 + i) }));
    const [cutResult] = await Promise.all([
      cutUpload,
      inBatches(rest, 3, async (file) => {
        const transferId = await tusUpload(proxy.url, cookie, target.accountId, file.name, file.content);
        sent.set(file.name, { transferId, sha256: sha256(file.content), channel: "tus" });
      }),
      Promise.all(apiFiles.map((file) => acceptedApiUpload(file.name, file.content))),
    ]);
    sent.set(cutFile.name, { transferId: cutResult, sha256: sha256(cutFile.content), channel: "tus" });

    // Every upload's consecutive PATCHes landed on different instances.
    const patchesByUpload = new Map<string, number[]>();
    for (const entry of proxy.log.filter((e) => e.method === "PATCH")) patchesByUpload.set(entry.path, [...(patchesByUpload.get(entry.path) ?? []), entry.backend]);
    expect(patchesByUpload.size).toBe(TUS_FILES);
    for (const backends of patchesByUpload.values()) {
      expect(backends.length).toBeGreaterThanOrEqual(Math.ceil(TUS_FILE_BYTES / TUS_CHUNK_BYTES));
      for (let i = 1; i < backends.length; i++) expect(backends[i]).not.toBe(backends[i - 1]);
    }
    // The cut one resumed on the other instance and finished there. The instance that received the
    // cut PATCH still held the upload (its connection half-open): the other one asked it to let go
    // (NOTIFY), waited for its lock, and resumed after the bytes it had kept — never writing at once.
    const cutPatches = proxy.log.filter((e) => e.method === "PATCH" && e.path === cutEntry.path);
    expect(cutPatches[0]).toMatchObject({ cut: true, uploadOffset: 0 });
    expect(cutPatches[1].backend).not.toBe(cutEntry.backend);
    expect(cutPatches[1].uploadOffset).toBe(TUS_CHUNK_BYTES / 2);
    expect(new Set(proxy.log.map((e) => e.backend))).toEqual(new Set([0, 1]));
  }, 150_000);

  it("delivers all 40 files exactly once, with their SHA-256, and every instance reports it live", async () => {
    expect([...sent.values()].filter((file) => file.channel === "tus")).toHaveLength(TUS_FILES);
    expect([...sent.values()].filter((file) => file.channel === "api")).toHaveLength(API_FILES);
    const ids = [...sent.values()].map((file) => file.transferId);
    const db = await getDb();
    const rows = await eventually(async () => {
      const current = await db.select().from(transfers).where(inArray(transfers.id, ids));
      return current.length === ids.length && current.every((row) => ["delivered", "failed", "needs_attention"].includes(row.status)) ? current : undefined;
    }, "all 40 transfers to finish", 90_000);
    expect(rows.map((row) => row.status)).toEqual(ids.map(() => "delivered"));

    // On the payer: the 40 names, nothing else (no temp file, no second copy), each with its bytes.
    expect(fs.readdirSync(path.join(payerRoot, "incoming")).sort()).toEqual([...sent.keys()].sort());
    for (const [name, file] of sent) expect(sha256(fs.readFileSync(path.join(payerRoot, "incoming", name))), name).toBe(file.sha256);
    // One successful attempt per transfer.
    const successes = await db.select().from(transferAttempts).where(inArray(transferAttempts.transferId, ids));
    const delivered = successes.filter((attempt) => attempt.errorCode === null && attempt.finishedAt);
    expect(delivered).toHaveLength(ids.length);
    expect(new Set(delivered.map((attempt) => attempt.transferId)).size).toBe(ids.length);

    // The upload page's live status reads the database: either instance tells every outcome,
    // whichever process relayed the file (most went through the worker).
    const cookie = await signIn(proxy.url, partnerEmail, TEST_PASSWORD);
    for (const instance of instances) {
      const response = await fetch(`${instance.url}/api/transfers/status?ids=${ids.join(",")}`, { headers: { cookie } });
      expect(response.status).toBe(200);
      const { transfers: statuses } = (await response.json()) as { transfers: { id: string; status: string }[] };
      expect(new Map(statuses.map((row) => [row.id, row.status]))).toEqual(new Map(ids.map((id) => [id, "delivered"])));
    }
  }, 120_000);

  it("on SIGTERM finishes the upload it is receiving, takes no new connection, and exits", async () => {
    const instance = instances[1];
    const content = crypto.randomBytes(256 * 1024);
    // A client that sends slowly: the upload is still arriving when the instance is told to stop.
    const { body, finish } = trickle(content);
    const answer = fetch(`${instance.url}/api/v1/transfers`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/octet-stream", "content-length": String(content.length), "x-account-id": target.accountId, "x-filename": "CLUSTER-DRAIN.TXT" },
      body,
      duplex: "half",
    } as RequestInit);
    await new Promise((resolve) => setTimeout(resolve, 300));
    instance.child.kill("SIGTERM");
    await eventually(() => /"message":"shutting down"/.test(instance.output()) || undefined, "the instance to begin its shutdown", 10_000);
    // No new connections while it drains…
    await expect(fetch(`${instance.url}/api/ready`)).rejects.toThrow();
    // …while the upload in progress completes.
    finish();
    const response = await answer;
    expect(response.status).toBe(202);
    expect(await instance.exited).toBe(0);
  }, 60_000);
});

/** Resolves once some session holds the upload's advisory lock (lib/transfers/intake/tus-locker.ts). */
async function uploadLockHeld(database: DatabaseHandle, uploadId: string): Promise<void> {
  await eventually(async () => {
    const { rows } = await database.raw.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted
                        AND classid = hashtext($1)::oid AND objid = hashtext($2)::oid) AS held`,
      [UPLOAD_LOCK_NAMESPACE, uploadId],
    );
    return rows[0]?.held || undefined;
  }, `the upload ${uploadId} to be locked by the instance receiving it`, 10_000);
}

/** Runs `work` over `items`, `size` at a time. */
async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/** tus-js-client (the library the upload page uses) through the proxy; resumes after a dropped request. Resolves with the transfer id. */
function tusUpload(baseUrl: string, cookie: string, accountId: string, fileName: string, content: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(content, {
      endpoint: `${baseUrl}/api/uploads`,
      headers: { cookie },
      chunkSize: TUS_CHUNK_BYTES,
      retryDelays: [0, 200, 500, 1000, 2000],
      metadata: { filename: fileName, accountId, mode: "test" },
      onSuccess({ lastResponse }) {
        const transferId = lastResponse.getHeader("X-Transfer-Id");
        const outcome = lastResponse.getHeader("X-Transfer-Outcome");
        if (transferId && outcome === "queued") resolve(transferId);
        else reject(new Error(`${fileName}: outcome ${outcome}: ${lastResponse.getBody()}`));
      },
      onError: reject,
    });
    upload.start();
  });
}

/** A request body that sends its first half now and the rest when `finish()` is called. */
function trickle(content: Buffer) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const half = Math.floor(content.length / 2);
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(content.subarray(0, half));
      await released;
      controller.enqueue(content.subarray(half));
      controller.close();
    },
  });
  return { body, finish: release };
}

/** Signs in through Auth.js' credentials endpoint as the sign-in form does; returns the Cookie header. */
async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const cookies = new Map<string, string>();
  const take = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      if (at > 0) cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  };
  const header = () => [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  // Through the proxy: the CSRF token comes from one instance and is checked by the other.
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  take(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: header() },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${baseUrl}/` }),
  });
  take(response);
  if (![...cookies.keys()].some((name) => name.endsWith("authjs.session-token"))) throw new Error(`sign-in failed: ${response.status} ${response.headers.get("location")}`);
  return header();
}
