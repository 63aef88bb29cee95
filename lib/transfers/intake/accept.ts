import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, organisations, type Transfer } from "@/db/schema";
import { assertCanWrite, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { getPartnerAccount } from "@/lib/partner-accounts/service";
import { getTransferForActor, insertTransfer, updateTransfer } from "@/lib/transfers/records";
import { UserInputError } from "@/lib/errors";
import { relayQueue } from "@/lib/transfers/queue/queue";
import { removeStagedFile, stagingPath } from "@/lib/transfers/staging/files";
import { blocking, checkNameAndSize, runPreRelayChecks, type CheckFinding } from "@/lib/transfers/intake/checks";

export interface AcceptInput {
  accountId: string;
  mode: "test" | "production";
  originalName: string;
  stagingKey: string;
  size: number;
  sha256: string;
  kind: "upload" | "api";
  confirmDuplicate?: boolean;
  /** The transfer row created when a browser upload started. */
  existingTransferId?: string;
}

export interface AcceptResult {
  outcome: "queued" | "rejected" | "awaiting_confirmation";
  transfer?: Transfer;
  findings: CheckFinding[];
}

/** The account (and its destination and organisation) a partner may send with. */
export async function loadSendingContext(actor: Actor, accountId: string) {
  const account = await getPartnerAccount(actor, accountId);
  assertCanWrite(actor, account.organisationId, "partner account");
  const db = await getDb();
  const [destination] = await db.select().from(destinations).where(eq(destinations.id, account.destinationId));
  const [organisation] = await db.select().from(organisations).where(eq(organisations.id, account.organisationId));
  if (destination.disabledAt || account.disabledAt) throw new UserInputError(`${destination.name} is not accepting files at the moment. Contact support.`);
  return { account, destination, organisation };
}

/** Name and size checks before any byte is stored (browser upload creation, API request start). */
export async function precheckUpload(actor: Actor, input: { accountId: string; mode: "test" | "production"; name: string; size: number }): Promise<CheckFinding[]> {
  const { destination, organisation } = await loadSendingContext(actor, input.accountId);
  return checkNameAndSize({ destination, organisation, mode: input.mode, name: input.name, size: input.size });
}

/**
 * A fully staged file enters the pipeline: every pre-relay check runs; a blocked file is removed
 * (the partner sees why), a duplicate waits for confirmation, anything else is queued for relay.
 */
export async function acceptStagedFile(actor: Actor, input: AcceptInput): Promise<AcceptResult> {
  const { account, destination, organisation } = await loadSendingContext(actor, input.accountId);
  const findings = await runPreRelayChecks({
    destination,
    organisation,
    mode: input.mode,
    name: input.originalName,
    size: input.size,
    sha256: input.sha256,
    stagedPath: stagingPath(input.stagingKey),
    confirmDuplicate: input.confirmDuplicate,
    excludeTransferId: input.existingTransferId,
  });
  const blockers = blocking(findings);
  const base = { sha256: input.sha256, sizeBytes: input.size, checks: findings };

  if (blockers.length) {
    await removeStagedFile(input.stagingKey);
    let transfer: Transfer | undefined;
    if (input.existingTransferId) {
      transfer = await updateTransfer(input.existingTransferId, { ...base, status: "failed", stagingKey: null, lastErrorCode: "CHECK_FAILED", lastErrorMessage: blockers.map((b) => b.message).join(" ") });
    }
    await recordAudit({ actor, organisationId: account.organisationId, action: "transfer.rejected_by_checks", target: input.originalName, result: "denied", ip: actor.ip, detail: { codes: blockers.map((b) => b.code) } });
    return { outcome: "rejected", transfer, findings };
  }

  const awaiting = findings.some((f) => f.severity === "confirm");
  const values = { ...base, status: "received" as const, awaitingConfirmation: awaiting, stagingKey: input.stagingKey };
  const transfer = input.existingTransferId
    ? await updateTransfer(input.existingTransferId, values)
    : await insertTransfer({
        organisationId: account.organisationId,
        partnerAccountId: account.id,
        destinationId: destination.id,
        kind: input.kind,
        mode: input.mode,
        originalName: input.originalName,
        remoteName: input.originalName,
        uploadedBy: actor.userId,
        uploaderIp: actor.ip,
        // One statement (size, hash, staging key, checks, confirmation flag): the row exists complete or not at all.
        ...values,
      });
  await recordAudit({ actor, organisationId: account.organisationId, action: "transfer.received", target: `${input.originalName} (${transfer.id})`, result: "success", ip: actor.ip, detail: { sha256: input.sha256, size: input.size } });
  if (awaiting) return { outcome: "awaiting_confirmation", transfer, findings };
  // Mark it queued before the job exists, so a worker that claims it at once is never overwritten.
  const queued = await updateTransfer(transfer.id, { status: "queued" });
  await relayQueue().enqueue(transfer.id);
  return { outcome: "queued", transfer: queued, findings };
}

/** The partner's answer to "this file was already delivered: send again?" */
export async function confirmDuplicate(actor: Actor, transferId: string, send: boolean): Promise<Transfer> {
  const transfer = await getTransferForActor(actor, transferId);
  assertCanWrite(actor, transfer.organisationId, "transfer");
  if (!transfer.awaitingConfirmation) throw new UserInputError("This transfer is not waiting for a decision.");
  if (!send) {
    if (transfer.stagingKey) await removeStagedFile(transfer.stagingKey);
    await recordAudit({ actor, organisationId: transfer.organisationId, action: "transfer.duplicate_cancelled", target: transfer.id, result: "success", ip: actor.ip });
    return updateTransfer(transfer.id, { awaitingConfirmation: false, status: "failed", stagingKey: null, lastErrorCode: "CANCELLED", lastErrorMessage: "Cancelled by the partner: the same file was already delivered." });
  }
  const queued = await updateTransfer(transfer.id, { awaitingConfirmation: false, status: "queued" });
  await recordAudit({ actor, organisationId: transfer.organisationId, action: "transfer.duplicate_confirmed", target: transfer.id, result: "success", ip: actor.ip });
  await relayQueue().enqueue(transfer.id);
  return queued;
}
