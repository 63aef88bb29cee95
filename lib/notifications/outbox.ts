import "server-only";
import type { Transaction } from "@/db/executor";
import type { NotificationEventType, Transfer } from "@/db/schema";
import { insertNotificationEvent } from "@/db/repositories/notification-events";

/** The transfer statuses that tell someone something: each is one event. */
export const TRANSFER_EVENT_FOR_STATUS: Partial<Record<Transfer["status"], NotificationEventType>> = {
  delivered: "transfer.delivered",
  needs_attention: "transfer.needs_attention",
  failed: "transfer.failed",
};

/**
 * Writes an outbox event. It takes a transaction, not the database: the event must commit with the
 * change it reports, so it exists exactly when the change does.
 */
export async function recordNotificationEvent(
  tx: Transaction,
  event: { type: NotificationEventType; organisationId: string; transferId?: string; sshKeyId?: string; responseFileId?: string },
): Promise<void> {
  await insertNotificationEvent(tx, event);
}
