import crypto from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, destinations, partnerAccounts, transfers } from "@/db/schema";
import { isTransferStopCode } from "@/lib/transfers/errors";
import { acceptStagedFile, confirmDuplicate, loadSendingContext } from "@/lib/transfers/intake/accept";
import { startUploadTransfer } from "@/lib/transfers/intake/browser-upload";
import { RELAY_QUEUE, type RelayRuntime } from "@/lib/transfers/queue/runtime";
import { replaceRuntimeParts } from "@/lib/runtime";
import type { Transaction } from "@/db/executor";
import { newStagingKey, sha256OfStagedFile, stagingPath, writeStagedFile } from "@/lib/transfers/staging/files";
import { UserInputError } from "@/lib/errors";
import { partnerIn } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { failsAtAudit } from "@/test/support/injected-failure";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { fastRelayConfig, startTestRelay } from "@/test/support/queue";

/*
 * The upload pipeline's use cases are one transaction each: the transfer row, its audit entry and its
 * relay job (a row in pg-boss's own job table, written through the same transaction) commit together
 * or not at all. The failure is injected at the last write of each (the audit row, after the job).
 * The relay runs as a producer only (no workers), so the jobs stay where they were written.
 */

useTemporaryPortalEnv();
const database = withTestDatabase();
let relay: RelayRuntime;
/** Every relay hand-off, and whether it came with the use case's transaction. */
const handOffs: Array<{ transferId: string; inTransaction: boolean }> = [];
let restoreQueue: () => void;

beforeAll(async () => {
  relay = await startTestRelay(database.handle(), fastRelayConfig({ concurrency: 0 }));
  // The real queue, watched: the jobs go to pg-boss as in production.
  restoreQueue = replaceRuntimeParts({
    relayQueue: {
      async enqueue(transferId: string, tx?: Transaction) {
        handOffs.push({ transferId, inTransaction: tx !== undefined });
        await relay.enqueue(transferId, tx);
      },
      wake: () => relay.wake?.(),
    },
  });
});
afterAll(async () => {
  restoreQueue?.();
  await relay?.stop({ graceMs: 1000 });
});

const x12 = (sender: string) =>
  `ISA*00*          *00*          *ZZ*${sender.padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*${crypto.randomInt(1e9).toString().padStart(9, "0")}*0*P*:~GS*HC*X*Y~ST*837*0001~SE*2*0001~GE*1*1~IEA*1*000000001~`;

async function setup() {
  const partner = await partnerIn();
  const db = await getDb();
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Payer ${crypto.randomUUID().slice(0, 8)}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password", maxFileBytes: 1024 * 1024, x12Policy: "warn" })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: "clinic" }).returning();
  return { ...partner, account };
}

async function stage(content: string) {
  const key = newStagingKey();
  await writeStagedFile(key, content);
  return { key, size: Buffer.byteLength(content), sha256: await sha256OfStagedFile(key) };
}

async function transfersOf(organisationId: string) {
  return (await getDb()).select().from(transfers).where(eq(transfers.organisationId, organisationId));
}

async function auditOf(organisationId: string, action: string) {
  return (await getDb()).select().from(auditEvents).where(and(eq(auditEvents.organisationId, organisationId), eq(auditEvents.action, action)));
}

/** The relay jobs in pg-boss's table, by transfer id. */
async function relayJobs(): Promise<Array<{ transferId: string; state: string }>> {
  const { rows } = await database.handle().raw.query<{ transferId: string; state: string }>(
    `SELECT singleton_key AS "transferId", state::text AS state FROM pgboss.job WHERE name = $1 ORDER BY created_on`,
    [RELAY_QUEUE],
  );
  return rows;
}

describe("accepting an upload", () => {
  it("leaves no transfer row, no relay job and no audit entry when its last write fails", async () => {
    const { actor, account, organisation } = await setup();
    const file = await stage(x12(organisation.submitterId));
    const input = { accountId: account.id, mode: "production" as const, originalName: `CLM${crypto.randomInt(1e6)}P.TXT`, stagingKey: file.key, size: file.size, sha256: file.sha256, kind: "api" as const };
    const jobsBefore = await relayJobs();
    const handOffsBefore = handOffs.length;

    await failsAtAudit("transfer.received", () => acceptStagedFile(actor, input));
    // The job was written (in the transaction) before the audit row failed…
    expect(handOffs.slice(handOffsBefore)).toEqual([{ transferId: expect.any(String), inTransaction: true }]);
    const [{ transferId: rolledBack }] = handOffs.slice(handOffsBefore);
    // …and nothing of the use case is left: no row, no job, no audit entry.
    expect(await transfersOf(organisation.id)).toEqual([]);
    expect(await relayJobs()).toEqual(jobsBefore);
    expect((await relayJobs()).map((job) => job.transferId)).not.toContain(rolledBack);
    expect(await auditOf(organisation.id, "transfer.received")).toEqual([]);
    // The staged bytes stay: the partner's retry accepts them.
    expect(fs.existsSync(stagingPath(file.key))).toBe(true);

    const accepted = await acceptStagedFile(actor, input);
    expect(accepted).toMatchObject({ outcome: "queued", transfer: { status: "queued" } });
    expect((await relayJobs()).filter((job) => job.transferId === accepted.transfer!.id)).toEqual([{ transferId: accepted.transfer!.id, state: "created" }]);
    expect(await auditOf(organisation.id, "transfer.received")).toHaveLength(1);
  });

  it("leaves a browser upload's row as it was when its last write fails", async () => {
    const { actor, account, organisation } = await setup();
    const content = x12(organisation.submitterId);
    const uploadId = crypto.randomUUID();
    const { account: sendingAccount } = await loadSendingContext(actor, account.id);
    const row = await startUploadTransfer(actor, { account: sendingAccount, mode: "production", name: "CLM000001P.TXT", size: Buffer.byteLength(content), uploadId, stagingKey: newStagingKey() });
    const file = await stage(content);
    const input = { accountId: account.id, mode: "production" as const, originalName: "CLM000001P.TXT", stagingKey: file.key, size: file.size, sha256: file.sha256, kind: "upload" as const, existingTransferId: row.id };

    await failsAtAudit("transfer.received", () => acceptStagedFile(actor, input));
    expect(await transfersOf(organisation.id)).toEqual([expect.objectContaining({ id: row.id, status: "uploading", sha256: null, stagingKey: row.stagingKey, updatedAt: row.updatedAt })]);
    expect((await relayJobs()).map((job) => job.transferId)).not.toContain(row.id);
    expect(await auditOf(organisation.id, "transfer.received")).toEqual([]);

    expect(await acceptStagedFile(actor, input)).toMatchObject({ outcome: "queued", transfer: { id: row.id, status: "queued", sha256: file.sha256 } });
    expect((await relayJobs()).filter((job) => job.transferId === row.id)).toHaveLength(1);
  });
});

describe("the partner's decision on a held duplicate", () => {
  /** A file identical to one delivered a moment ago: held for the partner's decision, with no job. */
  async function heldDuplicate() {
    const partner = await setup();
    const content = x12(partner.organisation.submitterId);
    const first = await stage(content);
    const sent = await acceptStagedFile(partner.actor, { accountId: partner.account.id, mode: "production", originalName: "CLM100001P.TXT", stagingKey: first.key, size: first.size, sha256: first.sha256, kind: "api" });
    await (await getDb()).update(transfers).set({ status: "delivered", deliveredAt: new Date() }).where(eq(transfers.id, sent.transfer!.id));
    const again = await stage(content);
    const held = await acceptStagedFile(partner.actor, { accountId: partner.account.id, mode: "production", originalName: "CLM100002P.TXT", stagingKey: again.key, size: again.size, sha256: again.sha256, kind: "api" });
    expect(held).toMatchObject({ outcome: "awaiting_confirmation", transfer: { status: "received", awaitingConfirmation: true } });
    expect((await relayJobs()).map((job) => job.transferId)).not.toContain(held.transfer!.id);
    return { ...partner, held: held.transfer!, stagingKey: again.key };
  }

  it("'send anyway' releases the hold, queues a job and audits it together, or none of it", async () => {
    const { actor, organisation, held } = await heldDuplicate();

    await failsAtAudit("transfer.hold_released", () => confirmDuplicate(actor, held.id, true));
    expect((await transfersOf(organisation.id)).find((row) => row.id === held.id)).toMatchObject({ status: "received", awaitingConfirmation: true });
    expect((await relayJobs()).map((job) => job.transferId)).not.toContain(held.id);
    expect(await auditOf(organisation.id, "transfer.hold_released")).toEqual([]);

    const sent = await confirmDuplicate(actor, held.id, true);
    expect(sent).toMatchObject({ id: held.id, status: "queued", awaitingConfirmation: false });
    expect((await relayJobs()).filter((job) => job.transferId === held.id)).toEqual([{ transferId: held.id, state: "created" }]);
    expect(await auditOf(organisation.id, "transfer.hold_released")).toEqual([expect.objectContaining({ target: `CLM100002P.TXT (${held.id})`, result: "success", actorUserId: actor.userId, detail: { reasons: ["DUPLICATE"] } })]);

    // The hold is over: a second answer either way is refused, and nothing more is written.
    await expect(confirmDuplicate(actor, held.id, true)).rejects.toBeInstanceOf(UserInputError);
    await expect(confirmDuplicate(actor, held.id, false)).rejects.toBeInstanceOf(UserInputError);
    expect((await relayJobs()).filter((job) => job.transferId === held.id)).toHaveLength(1);
  });

  it("'don't send' ends the transfer CANCELLED and audits it together, then removes the staged copy", async () => {
    const { actor, organisation, held, stagingKey } = await heldDuplicate();

    await failsAtAudit("transfer.hold_cancelled", () => confirmDuplicate(actor, held.id, false));
    expect((await transfersOf(organisation.id)).find((row) => row.id === held.id)).toMatchObject({ status: "received", awaitingConfirmation: true, stagingKey });
    expect(fs.existsSync(stagingPath(stagingKey))).toBe(true);
    expect(await auditOf(organisation.id, "transfer.hold_cancelled")).toEqual([]);

    const cancelled = await confirmDuplicate(actor, held.id, false);
    expect(cancelled).toMatchObject({ status: "failed", awaitingConfirmation: false, stagingKey: null, lastErrorCode: "CANCELLED" });
    expect(isTransferStopCode(cancelled.lastErrorCode!)).toBe(true);
    expect(fs.existsSync(stagingPath(stagingKey))).toBe(false);
    expect((await relayJobs()).map((job) => job.transferId)).not.toContain(held.id);
    expect(await auditOf(organisation.id, "transfer.hold_cancelled")).toHaveLength(1);
  });
});
