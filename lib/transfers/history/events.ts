import "server-only";
import { getDb } from "@/db/client";
import * as transfersRepo from "@/db/repositories/transfers";
import { insertTransferEvent, listEventsOfTransfer, type TransferEventRow } from "@/db/repositories/transfer-events";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { assertCanRead, requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { inRelayTransaction } from "@/lib/transfers/queue/hand-off";

/** Statuses a person may send back to the relay: it stopped, and nobody is working on it. */
export const REQUEUEABLE_STATUSES = ["failed", "needs_attention"] as const;

/**
 * Support's one write (admins may too): a stopped transfer goes back to "queued", with the reason
 * recorded as a transfer event the partner sees, an audit entry, and its relay job — one
 * transaction, so a re-queue exists with its reason, its audit entry and its job, or not at all. The
 * status change is guarded in the same statement, so a transfer re-queued twice at once is queued once.
 */
export async function requeueTransfer(actor: Actor, transferId: string, reason: string): Promise<{ organisationId: string; originalName: string }> {
  requireRole(actor, "admin", "support");
  return inRelayTransaction(async (tx, relay) => {
    const current = await transfersRepo.findTransfer(tx, transferId);
    if (!current) throw new NotFoundError("transfer");
    if (!REQUEUEABLE_STATUSES.includes(current.status as (typeof REQUEUEABLE_STATUSES)[number])) {
      throw new UserInputError(`Only a failed transfer or one that needs attention can be re-queued; this one is ${current.status.replace("_", " ")}.`);
    }
    if (!current.stagingKey) throw new UserInputError("The portal no longer holds this file (retention removed it), so it cannot be sent again. Ask the partner to upload it again.");
    if (!(await transfersRepo.requeueStoppedTransfer(tx, transferId, REQUEUEABLE_STATUSES))) {
      throw new UserInputError("Someone else changed this transfer a moment ago. Reload the page to see where it is.");
    }
    await insertTransferEvent(tx, { transferId, kind: "requeued", actorUserId: actor.userId, actorRole: actor.role, reason });
    await relay.enqueue(transferId);
    await recordAudit(
      {
        actor,
        organisationId: current.organisationId,
        action: "transfer.requeued",
        target: `${current.originalName} (${current.id})`,
        result: "success",
        ip: actor.ip,
        detail: { reason, previousStatus: current.status, lastErrorCode: current.lastErrorCode },
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
