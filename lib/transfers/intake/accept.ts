import "server-only";
import { getDb } from "@/db/client";
import type { Transfer } from "@/db/schema";
import { findDestination } from "@/db/repositories/destinations";
import { findOrganisationById } from "@/db/repositories/organisations";
import * as transfersRepo from "@/db/repositories/transfers";
import { assertCanWrite, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { getPartnerAccount } from "@/lib/partner-accounts/service";
import { getTransferForActor } from "@/lib/transfers/records";
import { NotFoundError, UserInputError } from "@/lib/errors";
import type { TransferStopCode } from "@/lib/transfers/errors";
import { inRelayTransaction } from "@/lib/transfers/queue/hand-off";
import { claimStagingRoom } from "@/lib/organisations/quota";
import { stagingPath } from "@/lib/transfers/staging/files";
import { discardStagedFile } from "@/lib/transfers/staging/discard";
import { blocking, checkNameAndSize, runPreRelayChecks, type CheckFinding, type StagedFileRef } from "@/lib/transfers/intake/checks";
import { holdLabel, holdReasonCodes } from "@/lib/transfers/intake/hold";
import { loadFileKey, shredFileKey, storeFileKey } from "@/lib/transfers/staging/file-keys";
import { insertSubmissionReferences } from "@/db/repositories/submission-references";
import { readSubmissionReferences } from "@/lib/responses/intake";

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
  /** The data key the bytes were sealed with, stored with the new row (an API upload). A browser upload's was stored when it started. */
  fileKey?: Buffer;
}

export interface AcceptResult {
  outcome: "queued" | "rejected" | "awaiting_confirmation";
  transfer?: Transfer;
  findings: CheckFinding[];
}

const CHECK_FAILED: TransferStopCode = "CHECK_FAILED";
const CANCELLED: TransferStopCode = "CANCELLED";

/** The account (and its destination and organisation) a partner may send with. */
export async function loadSendingContext(actor: Actor, accountId: string) {
  const account = await getPartnerAccount(actor, accountId);
  assertCanWrite(actor, account.organisationId, "partner account");
  const db = await getDb();
  const destination = await findDestination(db, account.destinationId);
  const organisation = await findOrganisationById(db, account.organisationId);
  if (!destination || !organisation) throw new NotFoundError("partner account");
  if (destination.disabledAt || account.disabledAt) throw new UserInputError(`${destination.name} is not accepting files at the moment. Contact support.`);
  return { account, destination, organisation };
}

/** Name and size checks before any byte is stored (browser upload creation, API request start). */
export async function precheckUpload(actor: Actor, input: { accountId: string; mode: "test" | "production"; name: string; size: number }): Promise<CheckFinding[]> {
  const { destination, organisation } = await loadSendingContext(actor, input.accountId);
  return checkNameAndSize({ destination, organisation, mode: input.mode, name: input.name, size: input.size });
}

function found(transfer: Transfer | undefined): Transfer {
  if (!transfer) throw new NotFoundError("transfer");
  return transfer;
}

/**
 * A fully staged file enters the pipeline: every pre-relay check runs; a blocked file is removed
 * (the partner sees why), a duplicate or an X12 mode or sender mismatch waits for the partner's
 * decision (decideHeldTransfer), anything else is queued for relay.
 *
 * One transaction writes the outcome: the transfer row (new, or the browser upload's), its audit
 * entry and, when it is queued, its relay job. A crash or a failure anywhere in it leaves none of them.
 * A new row over the organisation's staging quota throws StagingQuotaError (the caller removes the bytes).
 */
export async function acceptStagedFile(actor: Actor, input: AcceptInput): Promise<AcceptResult> {
  const { account, destination, organisation } = await loadSendingContext(actor, input.accountId);
  const stored = input.fileKey ? null : await loadFileKey(input.stagingKey);
  try {
    return await checkAndRecord(actor, input, { account, destination, organisation }, { path: stagingPath(input.stagingKey), key: input.fileKey ?? stored });
  } finally {
    stored?.fill(0);
  }
}

async function checkAndRecord(
  actor: Actor,
  input: AcceptInput,
  { account, destination, organisation }: Awaited<ReturnType<typeof loadSendingContext>>,
  stagedFile: StagedFileRef,
): Promise<AcceptResult> {
  const findings = await runPreRelayChecks(actor, {
    destination,
    organisation,
    mode: input.mode,
    name: input.originalName,
    size: input.size,
    sha256: input.sha256,
    stagedFile,
    confirmDuplicate: input.confirmDuplicate,
    excludeTransferId: input.existingTransferId,
  });
  const blockers = blocking(findings);
  const file = { sha256: input.sha256, sizeBytes: input.size, checks: findings };

  if (blockers.length) {
    const transfer = await inRelayTransaction(async (tx) => {
      const rejected = input.existingTransferId
        ? found(await transfersRepo.markRejectedByChecks(tx, input.existingTransferId, file, { code: CHECK_FAILED, message: blockers.map((b) => b.message).join(" ") }))
        : undefined;
      await recordAudit(
        { actor, organisationId: account.organisationId, action: "transfer.rejected_by_checks", target: input.originalName, result: "denied", ip: actor.ip, detail: { codes: blockers.map((b) => b.code) } },
        tx,
      );
      return rejected;
    });
    // The row no longer points at the bytes (or never did): they go once that is committed.
    await discardStagedFile(input.stagingKey);
    return { outcome: "rejected", transfer, findings };
  }

  const awaiting = findings.some((f) => f.severity === "confirm");
  const received = { ...file, stagingKey: input.stagingKey, awaitingConfirmation: awaiting };
  // The control numbers the payer's acknowledgements will point back with (ISA13, GS06, ST02, BHT03, CLM01).
  const references = await readSubmissionReferences(stagedFile);
  return inRelayTransaction(async (tx, relay) => {
    // A new row (an API upload) claims its room in the organisation's staging quota here, with its
    // limits locked: concurrent uploads checked the quota before streaming, only one of them gets
    // the last room. A browser upload's row claimed it when the upload started.
    if (!input.existingTransferId) await claimStagingRoom(tx, account.organisationId, { bytes: input.size, unfinishedUpload: false });
    const transfer = input.existingTransferId
      ? found(await transfersRepo.markReceived(tx, input.existingTransferId, received))
      : await transfersRepo.insertTransfer(tx, {
          organisationId: account.organisationId,
          partnerAccountId: account.id,
          destinationId: destination.id,
          kind: input.kind,
          mode: input.mode,
          originalName: input.originalName,
          remoteName: input.originalName,
          uploadedBy: actor.userId,
          uploaderIp: actor.ip,
          status: "received",
          ...received,
        });
    if (input.fileKey) await storeFileKey(input.stagingKey, input.fileKey, tx);
    await insertSubmissionReferences(tx, transfer.id, account.organisationId, references);
    if (!awaiting) {
      await transfersRepo.markQueued(tx, transfer.id);
      await relay.enqueue(transfer.id);
    }
    await recordAudit(
      { actor, organisationId: account.organisationId, action: "transfer.received", target: `${input.originalName} (${transfer.id})`, result: "success", ip: actor.ip, detail: { sha256: input.sha256, size: input.size } },
      tx,
    );
    if (awaiting) return { outcome: "awaiting_confirmation" as const, transfer, findings };
    return { outcome: "queued" as const, transfer: found(await transfersRepo.findTransfer(tx, transfer.id)), findings };
  });
}

/**
 * The partner's answer to a held file — "this file was already delivered", "it is marked for the other
 * mode", "its sender ID is not yours": send it anyway, or don't. The row leaves its hold, the audit
 * entry (naming what the hold was about) and (for "send") the relay job are written in one
 * transaction; only a row still on hold moves, so a second answer (or two at once) is refused.
 * "Don't send" fails the transfer with CANCELLED and shreds its file key, then removes the bytes.
 */
export async function decideHeldTransfer(actor: Actor, transferId: string, send: boolean): Promise<Transfer> {
  const transfer = await getTransferForActor(actor, transferId);
  assertCanWrite(actor, transfer.organisationId, "transfer");
  const notWaiting = () => new UserInputError("This transfer is not waiting for a decision.");
  if (!transfer.awaitingConfirmation) throw notWaiting();
  const reasons = holdReasonCodes(transfer.checks);
  const about = holdLabel(reasons);
  if (!send) {
    const cancelled = await inRelayTransaction(async (tx) => {
      const row = await transfersRepo.cancelHeldTransfer(tx, transfer.id, { code: CANCELLED, message: `Cancelled by the partner (held: ${about}); the file was not sent.` });
      if (!row) throw notWaiting();
      // "Don't send": the file's key goes with the decision (crypto-shredding), the bytes right after.
      if (transfer.stagingKey) await shredFileKey(transfer.stagingKey, tx);
      await recordAudit(
        { actor, organisationId: transfer.organisationId, action: "transfer.hold_cancelled", target: `${transfer.originalName} (${transfer.id})`, result: "success", ip: actor.ip, detail: { reasons } },
        tx,
      );
      return row;
    });
    if (transfer.stagingKey) await discardStagedFile(transfer.stagingKey);
    return cancelled;
  }
  return inRelayTransaction(async (tx, relay) => {
    const released = await transfersRepo.releaseHeldTransfer(tx, transfer.id);
    if (!released) throw notWaiting();
    await relay.enqueue(transfer.id);
    await recordAudit(
      { actor, organisationId: transfer.organisationId, action: "transfer.hold_released", target: `${transfer.originalName} (${transfer.id})`, result: "success", ip: actor.ip, detail: { reasons } },
      tx,
    );
    return released;
  });
}

/** The earlier name of decideHeldTransfer, from when only duplicates were held. */
export const confirmDuplicate = decideHeldTransfer;
