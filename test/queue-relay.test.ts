import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, transfers } from "@/db/schema";
import { claimTransfer } from "@/lib/transfers/queue/claims";
import { systemActor } from "@/lib/auth/actor";
import { RELAY_QUEUE, type RelayRuntime } from "@/lib/transfers/queue/runtime";
import { relayQueue } from "@/lib/transfers/queue/queue";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { acceptStagedFile } from "@/lib/transfers/intake/accept";
import { newStagingKey, stagingPath, writeStagedFile } from "@/lib/transfers/staging/files";
import { actorFor, createUser } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import {
  createRelayDestination,
  startTestRelay,
  eventually,
  fastRelayConfig,
  loadAttempts,
  loadTransfer,
  remoteFiles,
  rsaHostKeyPem,
  sha256,
  stageTransfer,
  upstreamKeyPair,
  UPSTREAM_PASSWORD,
  UPSTREAM_USER,
  waitForStatus,
} from "@/test/support/queue";

const { dataDir } = useTemporaryPortalEnv();
const database = withTestDatabase();

let keys: Awaited<ReturnType<typeof upstreamKeyPair>>;
let payer: SandboxSftpServer;
let relay: RelayRuntime;
const payerRoot = path.join(dataDir, "payer");

beforeAll(async () => {
  keys = await upstreamKeyPair();
  payer = await startSandboxSftpServer({ rootDir: payerRoot, users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }] });
  const handle = database.handle();
  relay = await startTestRelay(handle, fastRelayConfig());
});
afterAll(async () => {
  await relay?.stop({ graceMs: 1000 });
  await payer?.close();
});

describe(`the relay queue on ${process.env.DATABASE_URL ? "PostgreSQL" : "embedded PGlite"}`, () => {
  it("delivers a queued transfer through the worker", async () => {
    const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
    const { transfer, content, remoteName } = await stageTransfer(target);
    await relayQueue().enqueue(transfer.id);
    await relayQueue().enqueue(transfer.id); // idempotent: still one job, one delivery

    const delivered = await waitForStatus(transfer.id, ["delivered", "needs_attention", "failed"]);
    expect(delivered.status).toBe("delivered");
    expect(delivered.deliveredAt).not.toBeNull();
    expect(await loadAttempts(transfer.id)).toHaveLength(1);
    expect(sha256(fs.readFileSync(path.join(payerRoot, "incoming", remoteName)))).toBe(sha256(content));
    // The worker completes the job just after the attempt is recorded: wait for that, then check it is the only one.
    const jobs = await eventually(async () => {
      const result = await database.handle().raw.query(`SELECT state FROM pgboss.job WHERE name = $1 AND singleton_key = $2`, [RELAY_QUEUE, transfer.id]);
      return result.rows.every((row) => row.state !== "active") ? result.rows : undefined;
    }, "the relay job to finish");
    expect(jobs).toEqual([{ state: "completed" }]);
  });

  it("delivers a file the upload pipeline accepted", async () => {
    const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
    const user = await createUser({ role: "partner", organisationId: target.organisationId, isOrgAdmin: true });
    const stagingKey = newStagingKey();
    const content = Buffer.from(`claim batch ${Date.now()}\n`);
    await writeStagedFile(stagingKey, content);
    const name = `BATCH-${Date.now()}.TXT`;
    const accepted = await acceptStagedFile(await actorFor(user.id), { accountId: target.accountId, mode: "test", originalName: name, stagingKey, size: content.length, sha256: sha256(content), kind: "upload" });
    expect(accepted.outcome).toBe("queued");

    const row = await waitForStatus(accepted.transfer!.id, ["delivered", "needs_attention", "failed"]);
    expect(row.status).toBe("delivered");
    expect(await loadAttempts(row.id)).toHaveLength(1);
    expect(fs.readFileSync(path.join(payerRoot, "incoming", row.remoteName))).toEqual(content);
  });

  it("retries while the payer is down and delivers exactly once when it is back", async () => {
    const hostKey = rsaHostKeyPem();
    const downRoot = path.join(dataDir, "payer-down");
    const users = [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }];
    const first = await startSandboxSftpServer({ rootDir: downRoot, users, hostKeys: [hostKey] });
    const port = first.port;
    await first.close(); // the payer's server is down: connections are refused

    const target = await createRelayDestination({ port, hostKeyFingerprint: first.hostKeyFingerprint, keys });
    const { transfer, content, remoteName } = await stageTransfer(target);
    await relayQueue().enqueue(transfer.id);
    const failedOnce = await eventually(async () => {
      const attempts = await loadAttempts(transfer.id);
      return attempts.length >= 1 && attempts[0].finishedAt ? attempts : undefined;
    }, "the first attempt against the closed port");
    expect(failedOnce[0].errorCode).toBe("TCP_REFUSED");
    expect((await loadTransfer(transfer.id)).status).toMatch(/queued|sending/);

    const back = await startSandboxSftpServer({ rootDir: downRoot, users, hostKeys: [hostKey], port });
    try {
      const delivered = await waitForStatus(transfer.id, ["delivered", "needs_attention", "failed"]);
      expect(delivered.status).toBe("delivered");
      const attempts = await loadAttempts(transfer.id);
      expect(attempts.filter((a) => a.finishedAt && !a.errorCode)).toHaveLength(1);
      expect(attempts.slice(0, -1).every((a) => a.errorCode === "TCP_REFUSED")).toBe(true);
      expect(remoteFiles(downRoot)).toEqual([remoteName]);
      expect(sha256(fs.readFileSync(path.join(downRoot, "incoming", remoteName)))).toBe(sha256(content));
    } finally {
      await back.close();
    }
  });

  it("stops at needs_attention after one attempt on a permanent failure", async () => {
    const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys, password: "not-the-password" });
    const { transfer } = await stageTransfer(target);
    await relayQueue().enqueue(transfer.id);
    const row = await waitForStatus(transfer.id, ["needs_attention", "delivered", "failed"]);
    expect(row).toMatchObject({ status: "needs_attention", lastErrorCode: "AUTH_PASSWORD_REJECTED", attemptCount: 1 });
    await eventually(async () => {
      const { rows } = await database.handle().raw.query<{ state: string }>(`SELECT state FROM pgboss.job WHERE name = $1 AND singleton_key = $2`, [RELAY_QUEUE, transfer.id]);
      return rows[0]?.state === "completed" || undefined;
    }, "the job to complete");
    expect(await loadAttempts(transfer.id)).toHaveLength(1);
  });

  it("gives up after RELAY_MAX_ATTEMPTS transient failures and ends failed", async () => {
    const closed = await startSandboxSftpServer({ rootDir: path.join(dataDir, "closed"), users: [] });
    await closed.close();
    const target = await createRelayDestination({ port: closed.port, hostKeyFingerprint: closed.hostKeyFingerprint, keys });
    const { transfer } = await stageTransfer(target);
    await relayQueue().enqueue(transfer.id);
    const row = await waitForStatus(transfer.id, ["failed", "delivered", "needs_attention"], 30_000);
    expect(row).toMatchObject({ status: "failed", lastErrorCode: "TCP_REFUSED", attemptCount: relay.config.maxAttempts });
    const attempts = await loadAttempts(transfer.id);
    expect(attempts).toHaveLength(relay.config.maxAttempts);
    // Exponential backoff: the second wait is at least twice the base, longer than the first's minimum.
    const gaps = attempts.slice(1).map((a, i) => a.startedAt.getTime() - attempts[i].finishedAt!.getTime());
    expect(gaps[0]).toBeGreaterThanOrEqual(relay.config.retryBaseSeconds * 1000 - 50);
    expect(gaps[1]).toBeGreaterThanOrEqual(2 * relay.config.retryBaseSeconds * 1000 - 50);
  });

  it("never sends a delivered transfer again, and lets only one worker claim a transfer", async () => {
    const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
    const { transfer } = await stageTransfer(target);
    await relayQueue().enqueue(transfer.id);
    await waitForStatus(transfer.id, ["delivered"]);
    const sql = database.handle().raw;
    // The worker completes its job just after the attempt is recorded: only then is a second enqueue a new job's chance.
    await eventually(async () => {
      const { rows } = await sql.query(`SELECT 1 FROM pgboss.job WHERE name = $1 AND singleton_key = $2 AND state < 'completed'`, [RELAY_QUEUE, transfer.id]);
      return rows.length === 0 || undefined;
    }, "the first relay job to finish");
    await relayQueue().enqueue(transfer.id);
    const { rows } = await sql.query(`SELECT 1 FROM pgboss.job WHERE name = $1 AND singleton_key = $2 AND state < 'completed'`, [RELAY_QUEUE, transfer.id]);
    expect(rows).toHaveLength(0);
    expect(await claimTransfer(systemActor("relay-worker"), transfer.id, 60)).toMatchObject({ claimed: false, reason: "delivered" });

    const other = await stageTransfer(target);
    await (await getDb()).update(transfers).set({ status: "queued" }).where(eq(transfers.id, other.transfer.id));
    const claims = await Promise.all([claimTransfer(systemActor("relay-worker"), other.transfer.id, 60), claimTransfer(systemActor("relay-worker"), other.transfer.id, 60)]);
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    expect(claims.find((c) => !c.claimed)).toMatchObject({ reason: "busy" });
  });
});

describe("staging retention", () => {
  it("the embedded database, which has no autovacuum, gets a nightly VACUUM (ANALYZE) job; PostgreSQL none", async () => {
    const raw = database.handle().raw;
    const schedules = await relay.boss.getSchedules();
    if (process.env.DATABASE_URL) {
      expect(schedules.map((schedule) => schedule.name)).not.toContain("embedded-database-maintenance");
      expect(await relay.runDatabaseMaintenanceNow()).toBe(false);
      return;
    }
    expect(schedules).toContainEqual(expect.objectContaining({ name: "embedded-database-maintenance", cron: "40 3 * * *" }));
    const vacuumsOf = async (schema: string, table: string) =>
      Number((await raw.query<{ n: string }>(`SELECT vacuum_count AS n FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2`, [schema, table])).rows[0].n);
    const before = { transfers: await vacuumsOf("public", "transfers"), jobs: await vacuumsOf("pgboss", "version") };
    expect(await relay.runDatabaseMaintenanceNow()).toBe(true);
    await eventually(async () => (await vacuumsOf("pgboss", "version")) > before.jobs || undefined, "the maintenance job to run");
    expect(await vacuumsOf("public", "transfers")).toBeGreaterThan(before.transfers);
  });

  it("removes old and delivered staged bytes on the scheduled job, keeps the rows and audits each removal", async () => {
    expect(await relay.boss.getSchedules()).toContainEqual(expect.objectContaining({ name: "staging-retention", cron: "17 * * * *" }));
    const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
    const old = await stageTransfer(target);
    const deliveredLongAgo = await stageTransfer(target);
    const fresh = await stageTransfer(target);
    const db = await getDb();
    const day = 24 * 3600 * 1000;
    await db.update(transfers).set({ status: "needs_attention", createdAt: new Date(Date.now() - 15 * day) }).where(eq(transfers.id, old.transfer.id));
    await db.update(transfers).set({ status: "delivered", deliveredAt: new Date(Date.now() - 2 * day) }).where(eq(transfers.id, deliveredLongAgo.transfer.id));
    await db.update(transfers).set({ status: "delivered", deliveredAt: new Date() }).where(eq(transfers.id, fresh.transfer.id));

    await relay.runRetentionNow();
    await eventually(async () => (await loadTransfer(deliveredLongAgo.transfer.id)).stagingKey === null || undefined, "retention to run");
    await eventually(async () => (await loadTransfer(old.transfer.id)).stagingKey === null || undefined, "retention to run");

    for (const removed of [old, deliveredLongAgo]) {
      const row = await loadTransfer(removed.transfer.id);
      expect(row).toMatchObject({ stagingKey: null, originalName: removed.transfer.originalName, sizeBytes: removed.content.length, sha256: removed.transfer.sha256 });
      expect(fs.existsSync(stagingPath(removed.transfer.stagingKey!))).toBe(false);
      const audit = await db.select().from(auditEvents).where(eq(auditEvents.action, "transfer.staged_bytes_removed"));
      expect(audit.find((a) => a.detail?.transferId === removed.transfer.id)?.detail).toMatchObject({
        transferId: removed.transfer.id,
        name: removed.transfer.originalName,
        sizeBytes: removed.content.length,
        reason: removed === old ? "age" : "delivered",
        fileExisted: true,
      });
    }
    expect((await loadTransfer(fresh.transfer.id)).stagingKey).toBe(fresh.transfer.stagingKey);
    expect(fs.existsSync(stagingPath(fresh.transfer.stagingKey!))).toBe(true);
  });
});
