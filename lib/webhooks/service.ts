import "server-only";
import crypto from "node:crypto";
import { getDb } from "@/db/client";
import { inTransaction, type Executor } from "@/db/executor";
import type { Webhook, WebhookDelivery, WebhookEvent } from "@/db/schema";
import * as repo from "@/db/repositories/webhooks";
import { findOrganisationApproval } from "@/db/repositories/partner-accounts";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import { parseWebhookUrl, resolveWebhookTarget, WebhookUrlError } from "@/lib/webhooks/url";
import { assertCanRead, assertCanWrite, type Actor, type SystemActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { revealSecret, storeSecret } from "@/lib/vault/secret-store";
import { rateLimitsOn, ratePolicies, RateLimitedError, tryAgainText } from "@/lib/rate-limits/policies";
import { deliveryAsSeenBy, type DeliveryView } from "@/lib/webhooks/outcome";

export type { AttemptRecord, DeliverySummary, WebhookSummary } from "@/db/repositories/webhooks";
export type { AttemptView, DeliveryView } from "@/lib/webhooks/outcome";
type WebhookSummary = repo.WebhookSummary;

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ["transfer.delivered", "transfer.needs_attention", "transfer.failed", "transfer.accepted", "transfer.rejected", "response.received"];
const MAX_WEBHOOKS_PER_ORGANISATION = 10;
/** Recognisable in a leaked config file, like our API tokens. */
const SECRET_PREFIX = "whsec_";

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
  const row = await repo.findWebhook(await getDb(), webhookId);
  if (!row) throw new NotFoundError("webhook");
  if (access === "manage") assertMayManage(actor, row.organisationId);
  else assertMayView(actor, row.organisationId);
  return row;
}

export async function listWebhooks(actor: Actor, organisationId: string): Promise<WebhookSummary[]> {
  assertMayView(actor, organisationId);
  return repo.listWebhooksOfOrganisation(await getDb(), organisationId);
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
  const secret = SECRET_PREFIX + crypto.randomBytes(32).toString("base64url");
  // Row, sealed secret and audit commit together: no webhook without its secret.
  const webhook = await inTransaction(async (tx) => {
    if (!(await findOrganisationApproval(tx, input.organisationId))) throw new NotFoundError("organisation");
    const count = await repo.countWebhooksOfOrganisation(tx, input.organisationId);
    if (count >= MAX_WEBHOOKS_PER_ORGANISATION) throw new ForbiddenError(`An organisation can have at most ${MAX_WEBHOOKS_PER_ORGANISATION} webhooks. Delete one you no longer use first.`);
    const row = await repo.insertWebhook(tx, { organisationId: input.organisationId, url: url.toString(), events, description: input.description?.trim() || null, createdBy: actor.userId });
    await storeSecret({ kind: "webhook", id: row.id }, "webhook_signing", secret, actor.userId, tx);
    await recordAudit({ actor, organisationId: input.organisationId, action: "webhook.created", target: `${row.url} (${row.id})`, result: "success", ip: actor.ip, detail: { events } }, tx);
    return row;
  });
  return { webhook, secret };
}

export async function setWebhookDisabled(actor: Actor, webhookId: string, disabled: boolean): Promise<void> {
  const webhook = await loadWebhook(actor, webhookId, "manage");
  await inTransaction(async (tx) => {
    await repo.setWebhookDisabledAt(tx, webhook.id, disabled);
    await recordAudit({ actor, organisationId: webhook.organisationId, action: disabled ? "webhook.disabled" : "webhook.enabled", target: `${webhook.url} (${webhook.id})`, result: "success", ip: actor.ip }, tx);
  });
}

/** Removes the webhook, its delivery log and its signing secret. */
export async function deleteWebhook(actor: Actor, webhookId: string): Promise<void> {
  const webhook = await loadWebhook(actor, webhookId, "manage");
  await inTransaction(async (tx) => {
    await repo.deleteWebhookAndLog(tx, webhook.id);
    await recordAudit({ actor, organisationId: webhook.organisationId, action: "webhook.deleted", target: `${webhook.url} (${webhook.id})`, result: "success", ip: actor.ip }, tx);
  });
}

/**
 * The latest deliveries of the organisation's webhooks, each with its attempts as this reader may
 * see them: a category for everyone, the raw network error for the portal's administrators only.
 */
export async function listDeliveries(actor: Actor, organisationId: string, limit = 50): Promise<DeliveryView[]> {
  assertMayView(actor, organisationId);
  const rows = await repo.listDeliveriesOfOrganisation(await getDb(), organisationId, Math.min(limit, 200));
  return rows.map((row) => deliveryAsSeenBy(actor, row));
}

/** Counts one test on the counter; refuses when it goes over the policy's limit, saying when to come back. */
async function countTestEvent(tx: Executor, policy: "webhookTestEvent" | "webhookTestUser", subject: string, sentence: string): Promise<void> {
  const rule = ratePolicies[policy];
  const state = await rateLimitsOn(tx).countRequest([policy, subject]);
  if (state.count <= rule.max) return;
  const until = state.blockedUntil ?? new Date(Date.now() + rule.blockMs);
  const error = new RateLimitedError(until);
  error.message = `${sentence} You can send the next one ${tryAgainText(until)}.`;
  throw error;
}

/**
 * A "webhook.test" delivery for the button; the caller queues it. Throttled per webhook and per
 * user (each test is a request from our address to a host the user chose). The counters are taken
 * in the delivery's transaction, under the counter row's lock, so concurrent clicks cannot slip
 * past the limit and a refused click is not counted.
 */
export async function createTestDelivery(actor: Actor, webhookId: string, payloadFor: (eventId: string, created: Date) => Record<string, unknown>): Promise<string> {
  const webhook = await loadWebhook(actor, webhookId, "manage");
  const eventId = crypto.randomUUID();
  return inTransaction(async (tx) => {
    const { webhookTestEvent: perWebhook, webhookTestUser: perUser } = ratePolicies;
    await countTestEvent(tx, "webhookTestEvent", webhook.id, `This webhook was sent ${perWebhook.max} test events in the last ${perWebhook.windowMs / 60_000} minutes.`);
    await countTestEvent(tx, "webhookTestUser", actor.userId, `You sent ${perUser.max} test events in the last ${perUser.windowMs / 60_000} minutes.`);
    const [deliveryId] = await repo.insertDueDeliveries(tx, [{ webhookId: webhook.id, eventId, organisationId: webhook.organisationId, event: "webhook.test", payload: payloadFor(eventId, new Date()) }]);
    await recordAudit({ actor, organisationId: webhook.organisationId, action: "webhook.test_sent", target: `${webhook.url} (${webhook.id})`, result: "success", ip: actor.ip, detail: { deliveryId } }, tx);
    return deliveryId;
  });
}

/* ------------------------------------------------ system side: the delivery jobs (notification dispatcher) */

/**
 * One delivery per enabled webhook of the organisation that subscribes to the event. Idempotent per
 * (webhook, event): returns only the deliveries this call created, so whoever created a delivery is
 * the one who queues it.
 */
export async function createDeliveriesForEvent(
  _system: SystemActor,
  event: { id: string; type: WebhookEvent; organisationId: string; transferId: string | null },
  payload: Record<string, unknown>,
): Promise<string[]> {
  const db = await getDb();
  const subscribed = (await repo.listEnabledWebhookEvents(db, event.organisationId)).filter((target) => target.events.includes(event.type));
  return repo.insertDueDeliveries(
    db,
    subscribed.map((target) => ({ webhookId: target.id, eventId: event.id, organisationId: event.organisationId, event: event.type, transferId: event.transferId, payload })),
  );
}

export interface DeliveryToSend {
  delivery: WebhookDelivery;
  url: string;
  disabled: boolean;
  secret: string | undefined;
}

export async function loadDeliveryToSend(_system: SystemActor, deliveryId: string): Promise<DeliveryToSend | null> {
  const row = await repo.findDeliveryWithTarget(await getDb(), deliveryId);
  if (!row) return null;
  const secret = await revealSecret({ kind: "webhook", id: row.delivery.webhookId }, "webhook_signing");
  return { delivery: row.delivery, url: row.url, disabled: row.disabledAt !== null, secret };
}

/**
 * Appends one attempt to the delivery's log and sets where it stands: delivered, failed for good,
 * or pending with the time of the next try. A delivery already settled is left alone.
 */
export async function recordDeliveryAttempt(
  _system: SystemActor,
  deliveryId: string,
  attempt: repo.AttemptRecord,
  outcome: { status: "delivered" | "failed" | "pending"; nextAttemptInSeconds?: number },
): Promise<void> {
  await repo.appendDeliveryAttempt(await getDb(), deliveryId, attempt, outcome);
}

/** Pending deliveries overdue by a margin: their job was lost (a crash between insert and queueing). */
export async function overdueDeliveries(_system: SystemActor, graceSeconds: number, limit = 100): Promise<string[]> {
  return repo.listOverdueDeliveryIds(await getDb(), graceSeconds, limit);
}
