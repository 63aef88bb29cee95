import "server-only";
import fs from "node:fs";
import { getDb } from "@/db/client";
import * as transfersRepo from "@/db/repositories/transfers";
import { insertTransferEvent, listEventsOfTransfer, type TransferEventRow } from "@/db/repositories/transfer-events";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { assertCanRead, requireApprovedPartner, requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { inRelayTransaction } from "@/lib/transfers/queue/hand-off";
import { stagingPath } from "@/lib/transfers/staging/files";
import { isTransferStopCode, TRANSFER_STOP_CODES } from "@/lib/transfers/errors";
import type { Transfer } from "@/db/schema";

/** Statuses a person may send back to the relay: it stopped, and nobody is working on it. */
export const REQUEUEABLE_STATUSES = ["failed", "needs_attention"] as const;

/** Whether the staged copy of a transfer is still on the portal (retention removes it after STAGING_RETENTION_DAYS). */
export function stagedCopyExists(transfer: Pick<Transfer, "stagingKey">): boolean {
  return Boolean(transfer.stagingKey) && fs.existsSync(stagingPath(transfer.stagingKey!));
}

/**
 * A stopped transfer goes back to "queued": its staged copy is sent again, with no new upload and no
 * pre-relay checks (so no duplicate hold), and with a fresh attempt budget.
 *
 * Who: support and admins (support's one write), with a reason the partner reads; and the partners of
 * the transfer's own organisation, once they fixed the cause (a password, a key), from the transfer's
 * page, the reason optional. Another organisation's transfer is "not found", exactly like a missing one.
 *
 * One transaction: the status, a transfer event (who, by role, and why), the audit entry and the relay
 * job exist together or not at all. The status change is guarded in the same statement, so a transfer
 * re-queued twice at once is queued once.
 */
export async function requeueTransfer(actor: Actor, transferId: string, reason: string | null): Promise<{ organisationId: string; originalName: string }> {
  requireRole(actor, "admin", "support", "partner");
  if (actor.role === "partner") requireApprovedPartner(actor);
  const note = reason?.trim() || null;
  if (actor.role !== "partner" && !note) throw new UserInputError("Say why the transfer is sent again: the partner reads it in their history.");
  return inRelayTransaction(async (tx, relay) => {
    const current = await transfersRepo.findTransfer(tx, transferId);
    if (!current) throw new NotFoundError("transfer");
    // A partner reaches only the transfers of its own organisation; anything else does not exist for them.
    assertCanRead(actor, current.organisationId, "transfer");
    if (actor.role === "partner" && current.kind === "admin_test") throw new UserInputError("This is an administrator's test file: only an administrator can send it again.");
    if (!REQUEUEABLE_STATUSES.includes(current.status as (typeof REQUEUEABLE_STATUSES)[number])) {
      throw new UserInputError(`Only a failed transfer or one that needs attention can be sent again; this one is ${current.status.replace("_", " ")}.`);
    }
    if (current.deliveredAt) {
      // Delivered, then flagged because the payer did not answer in time: the relay never sends a delivered file twice.
      throw new UserInputError(
        `This file was delivered on ${current.deliveredAt.toISOString().slice(0, 10)}; the payer has not answered it. Sending it again could create duplicate claims: ask the payer first, and upload it again if they want it.`,
      );
    }
    if (!current.stagingKey && current.lastErrorCode && isTransferStopCode(current.lastErrorCode)) {
      throw new UserInputError(`${TRANSFER_STOP_CODES[current.lastErrorCode].summary} The portal did not keep it, so it cannot be sent again: upload it again.`);
    }
    if (!stagedCopyExists(current)) {
      throw new UserInputError(
        actor.role === "partner"
          ? "The portal no longer holds this file (retention removed it), so it cannot be sent again. Upload it again."
          : "The portal no longer holds this file (retention removed it), so it cannot be sent again. Ask the partner to upload it again.",
      );
    }
    if (!(await transfersRepo.requeueStoppedTransfer(tx, transferId, REQUEUEABLE_STATUSES))) {
      throw new UserInputError("Someone else changed this transfer a moment ago. Reload the page to see where it is.");
    }
    await insertTransferEvent(tx, { transferId, kind: "requeued", actorUserId: actor.userId, actorRole: actor.role, reason: note });
    await relay.enqueue(transferId);
    await recordAudit(
      {
        actor,
        organisationId: current.organisationId,
        action: "transfer.requeued",
        target: `${current.originalName} (${current.id})`,
        result: "success",
        ip: actor.ip,
        detail: { reason: note, previousStatus: current.status, lastErrorCode: current.lastErrorCode, by: actor.role },
      },
      tx,
    );
    return { organisationId: current.organisationId, originalName: current.originalName };
  });
}

export type TransferEventView = TransferEventRow;

/** What people did to a transfer, oldest first. Who did it is shown by role, not by name. */
export async function listTransferEvents(actor: Actor, transferId: string): Promise<TransferEventView[]> {
  const db = await getDb();
  const owner = await transfersRepo.findTransfer(db, transferId);
  if (!owner) throw new NotFoundError("transfer");
  assertCanRead(actor, owner.organisationId, "transfer");
  return listEventsOfTransfer(db, transferId);
}
