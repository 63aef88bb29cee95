import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, transferEvents, transfers } from "@/db/schema";
import { storeSecret } from "@/lib/vault/secret-store";
import { listTransferEvents, requeueTransfer } from "@/lib/transfers/history/events";
import { listTransfers, transferFilterSchema } from "@/lib/transfers/history/list";
import type { RelayRuntime } from "@/lib/transfers/queue/runtime";
import { relayQueue } from "@/lib/transfers/queue/queue";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { stagingPath } from "@/lib/transfers/staging/files";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import { actorFor, createUser, partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import {
  createRelayDestination,
  startTestRelay,
  fastRelayConfig,
  loadAttempts,
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
const REASON = "Payer confirmed the password was reset on their side; sending again.";

beforeAll(async () => {
  keys = await upstreamKeyPair();
  payer = await startSandboxSftpServer({ rootDir: payerRoot, hostKeys: [rsaHostKeyPem()], users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }] });
  const handle = database.handle();
  relay = await startTestRelay(handle, fastRelayConfig());
});
afterAll(async () => {
  await relay?.stop({ graceMs: 1000 });
  await payer?.close();
});

/** A transfer the payer refused (wrong stored password): it stops at "needs attention". */
async function refusedTransfer() {
  const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys, password: "not-the-payer-password" });
  const staged = await stageTransfer(target);
  await relayQueue().enqueue(staged.transfer.id);
  const stopped = await waitForStatus(staged.transfer.id, ["delivered", "needs_attention", "failed"]);
  expect(stopped).toMatchObject({ status: "needs_attention", lastErrorCode: "AUTH_PASSWORD_REJECTED" });
  return { target, ...staged };
}

describe("re-queueing a stopped transfer", () => {
  it("support re-queues it with a reason once the cause is fixed: event, audit, and a delivery", async () => {
    const { target, transfer, content, remoteName } = await refusedTransfer();
    await storeSecret({ kind: "partner_account", id: target.accountId }, "upstream_password", UPSTREAM_PASSWORD, null);
    const { actor: support } = await staff("support");

    await requeueTransfer(support, transfer.id, REASON);
    await relayQueue().enqueue(transfer.id);
    const delivered = await waitForStatus(transfer.id, ["delivered", "needs_attention", "failed"]);
    expect(delivered.status).toBe("delivered");
    expect(await loadAttempts(transfer.id)).toHaveLength(2);
    expect(sha256(fs.readFileSync(path.join(payerRoot, "incoming", remoteName)))).toBe(sha256(content));

    const db = await getDb();
    const events = await db.select().from(transferEvents).where(eq(transferEvents.transferId, transfer.id));
    expect(events).toEqual([expect.objectContaining({ kind: "requeued", reason: REASON, actorUserId: support.userId, actorRole: "support" })]);
    const [audit] = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "transfer.requeued"), eq(auditEvents.actorUserId, support.userId)));
    expect(audit).toMatchObject({ organisationId: target.organisationId, result: "success" });
    expect(audit.detail).toMatchObject({ reason: REASON, previousStatus: "needs_attention", lastErrorCode: "AUTH_PASSWORD_REJECTED" });

    // The partner sees the reason on the transfer and in the history list.
    const partner = await actorFor((await createUser({ role: "partner", organisationId: target.organisationId })).id);
    expect(await listTransferEvents(partner, transfer.id)).toEqual([expect.objectContaining({ kind: "requeued", reason: REASON, actorRole: "support" })]);
    const { rows } = await listTransfers(partner, transferFilterSchema.parse({}));
    expect(rows.find((r) => r.id === transfer.id)?.requeueReason).toBe(REASON);
  });

  it("the partner re-sends it after fixing the password: no new upload, no duplicate hold, event and audit", async () => {
    const { target, transfer, content, remoteName } = await refusedTransfer();
    const owner = await actorFor((await createUser({ role: "partner", organisationId: target.organisationId, isOrgAdmin: false })).id);
    await storeSecret({ kind: "partner_account", id: target.accountId }, "upstream_password", UPSTREAM_PASSWORD, null);

    await requeueTransfer(owner, transfer.id, null);
    const db = await getDb();
    // Straight back to the queue with the staged copy: the pre-relay checks do not run again, so no hold of any kind.
    const [row] = await db.select().from(transfers).where(eq(transfers.id, transfer.id));
    expect(row).toMatchObject({ status: "queued", awaitingConfirmation: false, stagingKey: transfer.stagingKey });
    await relayQueue().enqueue(transfer.id);
    const delivered = await waitForStatus(transfer.id, ["delivered", "needs_attention", "failed"]);
    expect(delivered.status).toBe("delivered");
    expect(sha256(fs.readFileSync(path.join(payerRoot, "incoming", remoteName)))).toBe(sha256(content));
    // Attempts are numbered across the transfer's life: the page shows 1 (refused) and 2 (delivered).
    expect((await loadAttempts(transfer.id)).map((a) => a.number)).toEqual([1, 2]);

    expect(await listTransferEvents(owner, transfer.id)).toEqual([expect.objectContaining({ kind: "requeued", actorRole: "partner", reason: null })]);
    const [audit] = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "transfer.requeued"), eq(auditEvents.actorUserId, owner.userId)));
    expect(audit).toMatchObject({ organisationId: target.organisationId, result: "success" });
    expect(audit.detail).toMatchObject({ previousStatus: "needs_attention", lastErrorCode: "AUTH_PASSWORD_REJECTED", by: "partner" });
  });

  it("a partner of another organisation gets 'not found', like a transfer that does not exist; a pending one is refused", async () => {
    const { transfer } = await refusedTransfer();
    const { actor: stranger } = await partnerIn();
    const { actor: pending } = await partnerIn("pending");
    await expect(requeueTransfer(stranger, transfer.id, null)).rejects.toBeInstanceOf(NotFoundError);
    await expect(requeueTransfer(stranger, "00000000-0000-0000-0000-000000000000", null)).rejects.toBeInstanceOf(NotFoundError);
    await expect(requeueTransfer(pending, transfer.id, null)).rejects.toBeInstanceOf(ForbiddenError);
    const db = await getDb();
    const [row] = await db.select().from(transfers).where(eq(transfers.id, transfer.id));
    expect(row.status).toBe("needs_attention");
    expect(await db.select().from(transferEvents).where(eq(transferEvents.transferId, transfer.id))).toEqual([]);
  });

  it("support and admins still give a reason; transfers that are not stopped are refused", async () => {
    const { transfer } = await refusedTransfer();
    const { actor: stranger } = await partnerIn();
    const { actor: support } = await staff("support");
    await expect(requeueTransfer(support, transfer.id, null)).rejects.toBeInstanceOf(UserInputError);
    await expect(requeueTransfer(support, transfer.id, "   ")).rejects.toBeInstanceOf(UserInputError);
    await expect(listTransferEvents(stranger, transfer.id)).rejects.toBeInstanceOf(NotFoundError);

    const { actor: admin } = await staff("admin");
    await requeueTransfer(admin, transfer.id, REASON);
    // Already queued now: a second re-queue is refused, and only one event exists.
    await expect(requeueTransfer(admin, transfer.id, REASON)).rejects.toBeInstanceOf(UserInputError);
    const db = await getDb();
    expect(await db.select().from(transferEvents).where(eq(transferEvents.transferId, transfer.id))).toHaveLength(1);
    await expect(requeueTransfer(admin, "00000000-0000-0000-0000-000000000000", REASON)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("never sends a delivered file twice: one flagged for the payer's silence is refused", async () => {
    const { target, transfer } = await refusedTransfer();
    const owner = await actorFor((await createUser({ role: "partner", organisationId: target.organisationId })).id);
    const db = await getDb();
    await db.update(transfers).set({ deliveredAt: new Date(), responseStatus: "no_response", lastErrorCode: "NO_RESPONSE" }).where(eq(transfers.id, transfer.id));
    await expect(requeueTransfer(owner, transfer.id, null)).rejects.toThrow(/was delivered on .*duplicate claims/);
    const [row] = await db.select().from(transfers).where(eq(transfers.id, transfer.id));
    expect(row.status).toBe("needs_attention");
  });

  it("refuses a transfer whose staged file retention removed, and says so", async () => {
    const { target, transfer } = await refusedTransfer();
    const owner = await actorFor((await createUser({ role: "partner", organisationId: target.organisationId })).id);
    const db = await getDb();
    // The bytes gone from disk while the row still names them: not sent again either.
    fs.rmSync(stagingPath(transfer.stagingKey!), { force: true });
    await expect(requeueTransfer(owner, transfer.id, null)).rejects.toThrow(/no longer holds this file.*Upload it again/);
    await db.update(transfers).set({ stagingKey: null }).where(eq(transfers.id, transfer.id));
    const { actor: support } = await staff("support");
    await expect(requeueTransfer(support, transfer.id, REASON)).rejects.toThrow(/upload it again/);
    await expect(requeueTransfer(owner, transfer.id, null)).rejects.toThrow(/retention removed it.*Upload it again/);
    const [row] = await db.select().from(transfers).where(eq(transfers.id, transfer.id));
    expect(row.status).toBe("needs_attention");
  });
});

describe("support search", () => {
  it("finds a transfer by a SHA-256 prefix or the full digest, across organisations", async () => {
    const a = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
    const { transfer } = await stageTransfer(a);
    const { actor: support } = await staff("support");
    const digest = transfer.sha256!;
    for (const sha of [digest, digest.slice(0, 8), digest.slice(0, 20).toUpperCase()]) {
      const { rows } = await listTransfers(support, transferFilterSchema.parse({ sha256: sha }));
      expect(rows.map((r) => r.id)).toContain(transfer.id);
    }
    const { rows: none } = await listTransfers(support, transferFilterSchema.parse({ sha256: digest.slice(0, 8).replace(/./, (c) => (c === "0" ? "1" : "0")) }));
    expect(none.map((r) => r.id)).not.toContain(transfer.id);
    expect(transferFilterSchema.safeParse({ sha256: "abc" }).success).toBe(false);
    expect(transferFilterSchema.safeParse({ sha256: "' OR 1=1 --" }).success).toBe(false);
    // A partner of another organisation does not find it, whatever they search.
    const { actor: stranger } = await partnerIn();
    expect((await listTransfers(stranger, transferFilterSchema.parse({ sha256: digest }))).rows).toEqual([]);
  });
});
