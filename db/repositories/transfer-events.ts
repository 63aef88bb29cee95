import "server-only";
import { asc, eq } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { transferEvents, type TransferEvent } from "@/db/schema";

export type NewTransferEvent = Pick<typeof transferEvents.$inferInsert, "transferId" | "kind" | "actorUserId" | "actorRole" | "reason">;

export async function insertTransferEvent(db: Executor, values: NewTransferEvent): Promise<void> {
  await db.insert(transferEvents).values(values);
}

export type TransferEventRow = Pick<TransferEvent, "id" | "at" | "kind" | "actorRole" | "reason">;

/** Oldest first; who did it by role only. */
export async function listEventsOfTransfer(db: Executor, transferId: string): Promise<TransferEventRow[]> {
  return db
    .select({ id: transferEvents.id, at: transferEvents.at, kind: transferEvents.kind, actorRole: transferEvents.actorRole, reason: transferEvents.reason })
    .from(transferEvents)
    .where(eq(transferEvents.transferId, transferId))
    .orderBy(asc(transferEvents.at), asc(transferEvents.id));
}
