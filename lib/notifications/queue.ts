import "server-only";
import { logger } from "@/lib/logger";

/**
 * The notification jobs' contract, for code outside lib/jobs (the web process's actions). The
 * outbox rows are the durable part: a lost kick only delays a notification until the dispatcher's
 * next scheduled run, it never loses one.
 */
export interface NotificationQueue {
  /** Ask for the outbox to be dispatched soon. */
  kick(): Promise<void>;
  /** Queue a webhook delivery (a new one, or a test event) for sending with retries. */
  deliverWebhook(deliveryId: string): Promise<void>;
}

const queueKey = Symbol.for("edi-portal.notification-queue");
type GlobalWithQueue = typeof globalThis & { [queueKey]?: NotificationQueue };

export function installNotificationQueue(queue: NotificationQueue | undefined): void {
  (globalThis as GlobalWithQueue)[queueKey] = queue;
}

export function notificationQueue(): NotificationQueue | undefined {
  return (globalThis as GlobalWithQueue)[queueKey];
}

/** Fire and forget: never fails the caller (the change it reports is already committed). */
export function notifySoon(): void {
  const queue = notificationQueue();
  if (!queue) return;
  queue.kick().catch((error: unknown) => logger.warn("notification dispatch could not be queued; the scheduled run will send it", { error }));
}
