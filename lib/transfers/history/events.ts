import "server-only";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { transferEvents, transfers, type TransferEvent } from "@/db/schema";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { assertCanRead, requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";

/** Statuses a person may send back to the relay: it stopped, and nobody is working on it. */
export const REQUEUEABLE_STATUSES = ["failed", "needs_attention"] as const;

/**
 * Support's one write (admins may too): a stopped transfer goes back to "queued", with the reason
 * recorded as a transfer event the partner sees and as an audit entry. The status change is guarded
 * in the same statement, so a transfer re-queued twice at once is queued once. The caller then hands
 * it to the durable relay queue; if that hand-off is lost, the relay's sweep finds the queued row.
 */
export async function requeueTransfer(actor: Actor, transferId: string, reason: string): Promise<{ organisationId: string; originalName: string }> {
  requireRole(actor, "admin", "support");
  const db = await getDb();
  const [current] = await db.select().from(transfers).where(eq(transfers.id, transferId));
  if (!current) throw new NotFoundError("transfer");
  if (!REQUEUEABLE_STATUSES.includes(current.status as (typeof REQUEUEABLE_STATUSES)[number])) {
    throw new UserInputError(`Only a failed transfer or one that needs attention can be re-queued; this one is ${current.status.replace("_", " ")}.`);
  }
  if (!current.stagingKey) throw new UserInputError("The portal no longer holds this file (retention removed it), so it cannot be sent again. Ask the partner to upload it again.");
  const requeued = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(transfers)
      .set({ status: "queued", updatedAt: sql`now()` })
      .where(and(eq(transfers.id, transferId), inArray(transfers.status, [...REQUEUEABLE_STATUSES])))
      .returning({ id: transfers.id });
    if (!row) return false;
    await tx.insert(transferEvents).values({ transferId, kind: "requeued", actorUserId: actor.userId, actorRole: actor.role, reason });
    return true;
  });
  if (!requeued) throw new UserInputError("Someone else changed this transfer a moment ago. Reload the page to see where it is.");
  await recordAudit({
    actor,
    organisationId: current.organisationId,
    action: "transfer.requeued",
    target: `${current.originalName} (${current.id})`,
    result: "success",
    ip: actor.ip,
    detail: { reason, previousStatus: current.status, lastErrorCode: current.lastErrorCode },
  });
  return { organisationId: current.organisationId, originalName: current.originalName };
}

export type TransferEventView = Pick<TransferEvent, "id" | "at" | "kind" | "actorRole" | "reason">;

/** What people did to a transfer, oldest first. Who did it is shown by role, not by name. */
export async function listTransferEvents(actor: Actor, transferId: string): Promise<TransferEventView[]> {
  const db = await getDb();
  const [owner] = await db.select({ organisationId: transfers.organisationId }).from(transfers).where(eq(transfers.id, transferId));
  if (!owner) throw new NotFoundError("transfer");
  assertCanRead(actor, owner.organisationId, "transfer");
  return db
    .select({ id: transferEvents.id, at: transferEvents.at, kind: transferEvents.kind, actorRole: transferEvents.actorRole, reason: transferEvents.reason })
    .from(transferEvents)
    .where(eq(transferEvents.transferId, transferId))
    .orderBy(asc(transferEvents.at), asc(transferEvents.id));
}
