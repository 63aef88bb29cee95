import "server-only";
import { logger } from "@/lib/logger";
import { runtime } from "@/lib/runtime";

/**
 * The notification jobs' contract, for code outside lib/notifications/jobs.ts (the web process's
 * actions). The outbox rows are the durable part: a lost kick only delays a notification until the
 * dispatcher's next scheduled run (every minute), it never loses one.
 *
 * Every runtime has a notification queue (lib/runtime): pg-boss's when the runtime runs the job
 * queues (the portal, `npm run worker`, a test that started a relay), otherwise `deferredNotifications`.
 */
export interface NotificationQueue {
  /** Ask for the outbox to be dispatched soon. */
  kick(): Promise<void>;
  /** Queue a webhook delivery (a new one, or a test event) for sending with retries. */
  deliverWebhook(deliveryId: string): Promise<void>;
}

/** The runtime's notification queue (for code that is not handed it: actions, services). */
export function notificationQueue(): NotificationQueue {
  return runtime().notificationQueue;
}

/**
 * The notification queue of a runtime without job queues (scripts; tests that start no relay). A
 * decision, not an accident: the event or delivery row is already committed, and the dispatcher's
 * per-minute run in whichever process runs the queues sends it — events at its next run, webhook
 * deliveries once they are overdue (lib/notifications/jobs.ts). Nothing is sent from here.
 */
export function deferredNotifications(where: string): NotificationQueue {
  const later = (what: string) => async () => logger.debug(`${what} left to the scheduled dispatcher: no job queues in this process`, { where });
  return { kick: later("notification"), deliverWebhook: later("webhook delivery") };
}

/** Fire and forget: a queue that fails does not fail the caller (the change it reports is already committed). */
export function notifySoon(): void {
  notificationQueue()
    .kick()
    .catch((error: unknown) => logger.warn("notification dispatch could not be queued; the scheduled run will send it", { error }));
}
