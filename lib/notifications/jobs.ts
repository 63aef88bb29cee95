import "server-only";
import type PgBoss from "pg-boss";
import { overdueDeliveries } from "@/lib/webhooks/service";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { retryDueMail } from "@/lib/mail/send";
import { sendDailySummaries } from "@/lib/notifications/daily-summary";
import { dispatchPendingEvents } from "@/lib/notifications/dispatch";
import { attemptWebhookDelivery } from "@/lib/webhooks/deliver";
import type { NotificationQueue } from "@/lib/notifications/queue";
import { systemActor } from "@/lib/auth/actor";

/** Who the notification jobs act as: named in the audit log and required by the services they call. */
const dispatcher = systemActor("notification-dispatcher");

export const NOTIFY_QUEUE = "notify-dispatch";
export const WEBHOOK_QUEUE = "webhook-delivery";
export const MAIL_RETRY_QUEUE = "mail-retry";
export const DAILY_SUMMARY_QUEUE = "daily-summary";
/** Every queue the notification workers fetch from. */
export const NOTIFICATION_QUEUES = [NOTIFY_QUEUE, WEBHOOK_QUEUE, MAIL_RETRY_QUEUE, DAILY_SUMMARY_QUEUE];

/** The safety nets run every minute: outbox events whose kick was lost, failed mail that is due. */
const EVERY_MINUTE = "* * * * *";
/** The daily summary goes out at 06:00 UTC. */
const DAILY_SUMMARY_CRON = "0 6 * * *";
/** A pending delivery this late has lost its job; the dispatcher queues it again. */
const ORPHANED_DELIVERY_GRACE_SECONDS = 300;

export interface WebhookJobData {
  deliveryId: string;
}

function webhookQueueOptions(): PgBoss.Queue {
  const config = env();
  return {
    name: WEBHOOK_QUEUE,
    // One job per delivery at a time (singletonKey = delivery id).
    policy: "stately",
    retryLimit: config.WEBHOOK_MAX_ATTEMPTS - 1,
    // pg-boss backoff with jitter: the n-th retry waits about base·2ⁿ⁻¹ plus up to as much again.
    retryDelay: config.WEBHOOK_RETRY_BASE_SECONDS,
    retryBackoff: true,
    expireInSeconds: Math.max(60, config.WEBHOOK_TIMEOUT_SECONDS * 3),
  };
}

/** Creates (or updates) the queues and schedules. Runs under the relay runtime's setup lock. */
export async function createNotificationQueues(boss: PgBoss): Promise<void> {
  // stately without a key: one dispatch waiting while another runs, so nothing that arrives meanwhile waits a minute.
  await boss.createQueue(NOTIFY_QUEUE, { name: NOTIFY_QUEUE, policy: "stately", retryLimit: 5, retryDelay: 5, expireInSeconds: 600 });
  const webhookOptions = webhookQueueOptions();
  await boss.createQueue(WEBHOOK_QUEUE, webhookOptions);
  await boss.updateQueue(WEBHOOK_QUEUE, webhookOptions);
  await boss.createQueue(MAIL_RETRY_QUEUE, { name: MAIL_RETRY_QUEUE, policy: "singleton", retryLimit: 1, expireInSeconds: 900 });
  await boss.createQueue(DAILY_SUMMARY_QUEUE, { name: DAILY_SUMMARY_QUEUE, policy: "singleton", retryLimit: 3, retryDelay: 300, expireInSeconds: 3600 });
  await boss.schedule(NOTIFY_QUEUE, EVERY_MINUTE);
  await boss.schedule(MAIL_RETRY_QUEUE, EVERY_MINUTE);
  await boss.schedule(DAILY_SUMMARY_QUEUE, DAILY_SUMMARY_CRON, {}, { tz: "UTC" });
}

export interface NotificationWorkers extends NotificationQueue {
  /** Queue a mail retry run now (the schedule queues one every minute). */
  retryMailNow(): Promise<void>;
  /** Queue a daily summary run now (the schedule queues one at 06:00 UTC). */
  sendDailySummaryNow(): Promise<void>;
}

/**
 * The producer side always; with workers (a relay process that works jobs), also the handlers.
 * Several processes may run them: every handler is idempotent or claims its rows first.
 */
export async function startNotificationWorkers(boss: PgBoss, options: { work: boolean; pollSeconds: number }): Promise<NotificationWorkers> {
  const workerIds: Record<string, string | undefined> = {};
  const wake = (queue: string) => {
    const id = workerIds[queue];
    if (id) boss.notifyWorker(id);
  };
  const queueDelivery = async (deliveryId: string) => {
    await boss.send(WEBHOOK_QUEUE, { deliveryId } satisfies WebhookJobData, { ...webhookQueueOptions(), singletonKey: deliveryId });
    wake(WEBHOOK_QUEUE);
  };

  if (options.work) {
    const pollingIntervalSeconds = options.pollSeconds;
    workerIds[NOTIFY_QUEUE] = await boss.work(NOTIFY_QUEUE, { pollingIntervalSeconds }, async () => {
      const result = await dispatchPendingEvents(dispatcher);
      for (const deliveryId of result.deliveries) await queueDelivery(deliveryId);
      // Deliveries whose job was lost between insert and queueing (a crash) are queued again.
      for (const deliveryId of await overdueDeliveries(dispatcher, ORPHANED_DELIVERY_GRACE_SECONDS)) await queueDelivery(deliveryId);
      return { events: result.events, mails: result.mails, deliveries: result.deliveries.length };
    });
    workerIds[WEBHOOK_QUEUE] = await boss.work<WebhookJobData>(WEBHOOK_QUEUE, { includeMetadata: true, batchSize: 1, pollingIntervalSeconds }, async ([job]) => {
      const config = env();
      const isLastAttempt = job.retryCount >= job.retryLimit;
      const nextAttemptInSeconds = config.WEBHOOK_RETRY_BASE_SECONDS * 2 ** job.retryCount;
      const outcome = await attemptWebhookDelivery(dispatcher, job.data.deliveryId, { isLastAttempt, nextAttemptInSeconds });
      if (outcome === "retry") throw new Error(`webhook delivery ${job.data.deliveryId} will be retried`);
      return { outcome };
    });
    workerIds[MAIL_RETRY_QUEUE] = await boss.work(MAIL_RETRY_QUEUE, { pollingIntervalSeconds }, async () => {
      const outcomes = await retryDueMail();
      if (outcomes.length) logger.info("mail retry run", { tried: outcomes.length, sent: outcomes.filter((o) => o.status !== "failed").length });
      return { tried: outcomes.length };
    });
    workerIds[DAILY_SUMMARY_QUEUE] = await boss.work(DAILY_SUMMARY_QUEUE, { pollingIntervalSeconds: Math.max(pollingIntervalSeconds, 30) }, async () => sendDailySummaries(systemActor("scheduler")));
  }

  return {
    async kick() {
      await boss.send(NOTIFY_QUEUE, {}, { retryLimit: 5, retryDelay: 5 });
      wake(NOTIFY_QUEUE);
    },
    deliverWebhook: queueDelivery,
    async retryMailNow() {
      await boss.send(MAIL_RETRY_QUEUE, {});
      wake(MAIL_RETRY_QUEUE);
    },
    async sendDailySummaryNow() {
      await boss.send(DAILY_SUMMARY_QUEUE, {});
      wake(DAILY_SUMMARY_QUEUE);
    },
  };
}
