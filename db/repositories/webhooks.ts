import "server-only";
import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { secrets, webhookDeliveries, webhooks, type Webhook, type WebhookDelivery, type WebhookEvent } from "@/db/schema";

export type WebhookSummary = Pick<Webhook, "id" | "organisationId" | "url" | "events" | "description" | "createdAt" | "disabledAt">;
export type DeliverySummary = Pick<
  WebhookDelivery,
  "id" | "webhookId" | "event" | "transferId" | "status" | "attemptCount" | "lastStatusCode" | "lastError" | "createdAt" | "deliveredAt" | "nextAttemptAt"
> & { attempts: AttemptRecord[] };

const summaryColumns = {
  id: webhooks.id,
  organisationId: webhooks.organisationId,
  url: webhooks.url,
  events: webhooks.events,
  description: webhooks.description,
  createdAt: webhooks.createdAt,
  disabledAt: webhooks.disabledAt,
};

export async function findWebhook(db: Executor, id: string): Promise<Webhook | undefined> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
  return row;
}

export async function listWebhooksOfOrganisation(db: Executor, organisationId: string): Promise<WebhookSummary[]> {
  return db.select(summaryColumns).from(webhooks).where(eq(webhooks.organisationId, organisationId)).orderBy(desc(webhooks.createdAt));
}

export async function countWebhooksOfOrganisation(db: Executor, organisationId: string): Promise<number> {
  const [{ count }] = await db.select({ count: sql<number>`count(*)::int` }).from(webhooks).where(eq(webhooks.organisationId, organisationId));
  return count;
}

export async function insertWebhook(db: Executor, values: { organisationId: string; url: string; events: WebhookEvent[]; description: string | null; createdBy: string }): Promise<WebhookSummary> {
  const [row] = await db.insert(webhooks).values(values).returning(summaryColumns);
  return row;
}

export async function setWebhookDisabledAt(db: Executor, id: string, disabled: boolean): Promise<void> {
  await db.update(webhooks).set({ disabledAt: disabled ? sql`now()` : null }).where(eq(webhooks.id, id));
}

/** The webhook, its delivery log and its sealed signing secret. */
export async function deleteWebhookAndLog(db: Executor, id: string): Promise<void> {
  await db.delete(webhookDeliveries).where(eq(webhookDeliveries.webhookId, id));
  await db.delete(secrets).where(and(eq(secrets.ownerKind, "webhook"), eq(secrets.ownerId, id)));
  await db.delete(webhooks).where(eq(webhooks.id, id));
}

export async function listDeliveriesOfOrganisation(db: Executor, organisationId: string, limit: number): Promise<DeliverySummary[]> {
  return db
    .select({
      id: webhookDeliveries.id,
      webhookId: webhookDeliveries.webhookId,
      event: webhookDeliveries.event,
      transferId: webhookDeliveries.transferId,
      status: webhookDeliveries.status,
      attemptCount: webhookDeliveries.attemptCount,
      lastStatusCode: webhookDeliveries.lastStatusCode,
      lastError: webhookDeliveries.lastError,
      attempts: webhookDeliveries.attempts,
      createdAt: webhookDeliveries.createdAt,
      deliveredAt: webhookDeliveries.deliveredAt,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
    })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.organisationId, organisationId))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(limit);
}

export interface NewDelivery {
  webhookId: string;
  eventId: string;
  organisationId: string;
  event: WebhookDelivery["event"];
  transferId?: string | null;
  payload: Record<string, unknown>;
}

/** Inserts deliveries due now; a (webhook, event) pair that exists already is skipped. Returns the ids inserted. */
export async function insertDueDeliveries(db: Executor, deliveries: NewDelivery[]): Promise<string[]> {
  if (!deliveries.length) return [];
  const created = await db
    .insert(webhookDeliveries)
    .values(deliveries.map((delivery) => ({ ...delivery, nextAttemptAt: sql`now()` })))
    .onConflictDoNothing({ target: [webhookDeliveries.webhookId, webhookDeliveries.eventId] })
    .returning({ id: webhookDeliveries.id });
  return created.map((row) => row.id);
}

export async function listEnabledWebhookEvents(db: Executor, organisationId: string): Promise<Array<{ id: string; events: WebhookEvent[] }>> {
  return db
    .select({ id: webhooks.id, events: webhooks.events })
    .from(webhooks)
    .where(and(eq(webhooks.organisationId, organisationId), isNull(webhooks.disabledAt)));
}

export async function findDeliveryWithTarget(db: Executor, deliveryId: string) {
  const [row] = await db
    .select({ delivery: webhookDeliveries, url: webhooks.url, disabledAt: webhooks.disabledAt })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(eq(webhookDeliveries.id, deliveryId));
  return row;
}

/**
 * What one attempt came to. Every failure to reach a verified HTTPS server is one category
 * ("could_not_connect"), so a refused port and an open one look the same in the partner's log.
 */
export type WebhookAttemptCategory = "delivered" | "http_status" | "could_not_connect" | "timed_out" | "no_answer" | "address_refused" | "not_sent";

export interface AttemptRecord {
  at: string;
  statusCode: number | null;
  /** The sentence the organisation sees: fixed per category (or our own URL message), never the network error. */
  error: string | null;
  durationMs: number;
  /** Recorded since #16; older attempts have none. */
  category?: WebhookAttemptCategory;
  /** The raw network or TLS error, for the portal's administrators only. */
  detail?: string | null;
}

/** Appends an attempt and sets the outcome, only while the delivery is still pending. */
export async function appendDeliveryAttempt(db: Executor, deliveryId: string, attempt: AttemptRecord, outcome: { status: "delivered" | "failed" | "pending"; nextAttemptInSeconds?: number }): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({
      attempts: sql`${webhookDeliveries.attempts} || ${JSON.stringify([attempt])}::jsonb`,
      attemptCount: sql`${webhookDeliveries.attemptCount} + 1`,
      lastStatusCode: attempt.statusCode,
      lastError: attempt.error,
      status: outcome.status,
      deliveredAt: outcome.status === "delivered" ? sql`now()` : null,
      nextAttemptAt: outcome.status === "pending" ? sql`now() + make_interval(secs => ${outcome.nextAttemptInSeconds ?? 0})` : null,
    })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending")));
}

export async function listOverdueDeliveryIds(db: Executor, graceSeconds: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.status, "pending"), sql`${webhookDeliveries.nextAttemptAt} < now() - make_interval(secs => ${graceSeconds})`))
    .limit(limit);
  return rows.map((row) => row.id);
}

export async function findDeliveriesByIds(db: Executor, ids: string[]): Promise<WebhookDelivery[]> {
  if (!ids.length) return [];
  return db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, ids));
}
