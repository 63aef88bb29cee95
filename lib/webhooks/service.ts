import "server-only";
import crypto from "node:crypto";
import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { organisations, secrets, webhookDeliveries, webhooks, type Webhook, type WebhookDelivery, type WebhookEvent } from "@/db/schema";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import { parseWebhookUrl, resolveWebhookTarget, WebhookUrlError } from "@/lib/webhooks/url";
import { assertCanRead, assertCanWrite, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { revealSecret, storeSecret } from "@/lib/partner-accounts/credentials";

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ["transfer.delivered", "transfer.needs_attention", "transfer.failed"];
const MAX_WEBHOOKS_PER_ORGANISATION = 10;
/** Recognisable in a leaked config file, like our API tokens. */
const SECRET_PREFIX = "whsec_";

export type WebhookSummary = Pick<Webhook, "id" | "organisationId" | "url" | "events" | "description" | "createdAt" | "disabledAt">;
export type DeliverySummary = Pick<
  WebhookDelivery,
  "id" | "webhookId" | "event" | "transferId" | "status" | "attemptCount" | "lastStatusCode" | "lastError" | "attempts" | "createdAt" | "deliveredAt" | "nextAttemptAt"
>;

const summaryColumns = {
  id: webhooks.id,
  organisationId: webhooks.organisationId,
  url: webhooks.url,
  events: webhooks.events,
  description: webhooks.description,
  createdAt: webhooks.createdAt,
  disabledAt: webhooks.disabledAt,
};

/**
 * Webhooks are managed by admins, and by an organisation's own administrators for their
 * organisation; support may look. Another organisation's webhook looks like a missing one.
 */
function assertMayManage(actor: Actor, organisationId: string): void {
  assertCanWrite(actor, organisationId, "webhook");
  if (actor.role === "partner" && (!actor.isOrgAdmin || actor.organisationStatus !== "approved")) {
    throw new ForbiddenError("Only your organisation's administrator can manage webhooks.");
  }
}

function assertMayView(actor: Actor, organisationId: string): void {
  assertCanRead(actor, organisationId, "webhook");
  if (actor.role === "partner" && !actor.isOrgAdmin) throw new ForbiddenError("Only your organisation's administrator can see its webhooks.");
}

async function loadWebhook(actor: Actor, webhookId: string, access: "view" | "manage"): Promise<Webhook> {
  const db = await getDb();
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, webhookId));
  if (!row) throw new NotFoundError("webhook");
  if (access === "manage") assertMayManage(actor, row.organisationId);
  else assertMayView(actor, row.organisationId);
  return row;
}

export async function listWebhooks(actor: Actor, organisationId: string): Promise<WebhookSummary[]> {
  assertMayView(actor, organisationId);
  const db = await getDb();
  return db.select(summaryColumns).from(webhooks).where(eq(webhooks.organisationId, organisationId)).orderBy(desc(webhooks.createdAt));
}

/**
 * Checks the URL (HTTPS, resolves to a public address) and stores the webhook with a new signing
 * secret, sealed in the vault. The secret is returned here, once.
 */
export async function createWebhook(
  actor: Actor,
  input: { organisationId: string; url: string; events: WebhookEvent[]; description?: string | null },
): Promise<{ webhook: WebhookSummary; secret: string }> {
  assertMayManage(actor, input.organisationId);
  const events = WEBHOOK_EVENTS.filter((event) => input.events.includes(event));
  if (!events.length) throw new UserInputError("Choose at least one event to send.", "events");
  let url: URL;
  try {
    url = parseWebhookUrl(input.url);
    await resolveWebhookTarget(url);
  } catch (error) {
    if (error instanceof WebhookUrlError) throw new UserInputError(error.message, "url");
    throw error;
  }
  const db = await getDb();
  const [organisation] = await db.select({ status: organisations.status }).from(organisations).where(eq(organisations.id, input.organisationId));
  if (!organisation) throw new NotFoundError("organisation");
  const [{ count }] = await db.select({ count: sql<number>`count(*)::int` }).from(webhooks).where(eq(webhooks.organisationId, input.organisationId));
  if (count >= MAX_WEBHOOKS_PER_ORGANISATION) throw new ForbiddenError(`An organisation can have at most ${MAX_WEBHOOKS_PER_ORGANISATION} webhooks. Delete one you no longer use first.`);
  const secret = SECRET_PREFIX + crypto.randomBytes(32).toString("base64url");
  const webhook = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(webhooks)
      .values({ organisationId: input.organisationId, url: url.toString(), events, description: input.description?.trim() || null, createdBy: actor.userId })
      .returning(summaryColumns);
    return row;
  });
  await storeSecret({ kind: "webhook", id: webhook.id }, "webhook_signing", secret, actor.userId);
  await recordAudit({ actor, organisationId: input.organisationId, action: "webhook.created", target: `${webhook.url} (${webhook.id})`, result: "success", ip: actor.ip, detail: { events } });
  return { webhook, secret };
}

export async function setWebhookDisabled(actor: Actor, webhookId: string, disabled: boolean): Promise<void> {
  const webhook = await loadWebhook(actor, webhookId, "manage");
  const db = await getDb();
  await db.update(webhooks).set({ disabledAt: disabled ? sql`now()` : null }).where(eq(webhooks.id, webhook.id));
  await recordAudit({ actor, organisationId: webhook.organisationId, action: disabled ? "webhook.disabled" : "webhook.enabled", target: `${webhook.url} (${webhook.id})`, result: "success", ip: actor.ip });
}

/** Removes the webhook, its delivery log and its signing secret. */
export async function deleteWebhook(actor: Actor, webhookId: string): Promise<void> {
  const webhook = await loadWebhook(actor, webhookId, "manage");
  const db = await getDb();
  await db.transaction(async (tx) => {
    await tx.delete(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhook.id));
    await tx.delete(secrets).where(and(eq(secrets.ownerKind, "webhook"), eq(secrets.ownerId, webhook.id)));
    await tx.delete(webhooks).where(eq(webhooks.id, webhook.id));
  });
  await recordAudit({ actor, organisationId: webhook.organisationId, action: "webhook.deleted", target: `${webhook.url} (${webhook.id})`, result: "success", ip: actor.ip });
}

/** The latest deliveries of the organisation's webhooks, each with its attempts. */
export async function listDeliveries(actor: Actor, organisationId: string, limit = 50): Promise<DeliverySummary[]> {
  assertMayView(actor, organisationId);
  const db = await getDb();
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
    .limit(Math.min(limit, 200));
}

/** A "webhook.test" delivery for the button; the caller queues it. */
export async function createTestDelivery(actor: Actor, webhookId: string, payloadFor: (eventId: string, created: Date) => Record<string, unknown>): Promise<string> {
  const webhook = await loadWebhook(actor, webhookId, "manage");
  const eventId = crypto.randomUUID();
  const db = await getDb();
  const [row] = await db
    .insert(webhookDeliveries)
    .values({ webhookId: webhook.id, eventId, organisationId: webhook.organisationId, event: "webhook.test", payload: payloadFor(eventId, new Date()), nextAttemptAt: sql`now()` })
    .returning({ id: webhookDeliveries.id });
  await recordAudit({ actor, organisationId: webhook.organisationId, action: "webhook.test_sent", target: `${webhook.url} (${webhook.id})`, result: "success", ip: actor.ip, detail: { deliveryId: row.id } });
  return row.id;
}

/* ------------------------------------------------------------- system side: the delivery jobs */

/**
 * One delivery per enabled webhook of the organisation that subscribes to the event. Idempotent per
 * (webhook, event): returns only the deliveries this call created, so whoever created a delivery is
 * the one who queues it.
 */
export async function createDeliveriesForEvent(event: { id: string; type: WebhookEvent; organisationId: string; transferId: string }, payload: Record<string, unknown>): Promise<string[]> {
  const db = await getDb();
  const targets = await db
    .select({ id: webhooks.id, events: webhooks.events })
    .from(webhooks)
    .where(and(eq(webhooks.organisationId, event.organisationId), isNull(webhooks.disabledAt)));
  const subscribed = targets.filter((target) => target.events.includes(event.type));
  if (!subscribed.length) return [];
  const created = await db
    .insert(webhookDeliveries)
    .values(
      subscribed.map((target) => ({
        webhookId: target.id,
        eventId: event.id,
        organisationId: event.organisationId,
        event: event.type,
        transferId: event.transferId,
        payload,
        nextAttemptAt: sql`now()`,
      })),
    )
    .onConflictDoNothing({ target: [webhookDeliveries.webhookId, webhookDeliveries.eventId] })
    .returning({ id: webhookDeliveries.id });
  return created.map((row) => row.id);
}

export interface DeliveryToSend {
  delivery: WebhookDelivery;
  url: string;
  disabled: boolean;
  secret: string | undefined;
}

export async function loadDeliveryToSend(deliveryId: string): Promise<DeliveryToSend | null> {
  const db = await getDb();
  const [row] = await db
    .select({ delivery: webhookDeliveries, url: webhooks.url, disabledAt: webhooks.disabledAt })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!row) return null;
  const secret = await revealSecret({ kind: "webhook", id: row.delivery.webhookId }, "webhook_signing");
  return { delivery: row.delivery, url: row.url, disabled: row.disabledAt !== null, secret };
}

export interface AttemptRecord {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * Appends one attempt to the delivery's log and sets where it stands: delivered, failed for good,
 * or pending with the time of the next try. A delivery already settled is left alone.
 */
export async function recordDeliveryAttempt(deliveryId: string, attempt: AttemptRecord, outcome: { status: "delivered" | "failed" | "pending"; nextAttemptInSeconds?: number }): Promise<void> {
  const db = await getDb();
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

/** Pending deliveries overdue by a margin: their job was lost (a crash between insert and queueing). */
export async function overdueDeliveries(graceSeconds: number, limit = 100): Promise<string[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.status, "pending"), sql`${webhookDeliveries.nextAttemptAt} < now() - make_interval(secs => ${graceSeconds})`))
    .limit(limit);
  return rows.map((row) => row.id);
}

export async function deliveriesByIds(ids: string[]): Promise<WebhookDelivery[]> {
  if (!ids.length) return [];
  const db = await getDb();
  return db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, ids));
}
