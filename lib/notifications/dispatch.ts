import "server-only";
import { getDb } from "@/db/client";
import { keyFacts, markEventDispatched, organisationContacts, registrationFacts, transferFacts, undispatchedEvents } from "@/db/repositories/notification-events";
import { createDeliveriesForEvent } from "@/lib/webhooks/service";
import type { NotificationEvent } from "@/db/schema";
import { logger } from "@/lib/logger";
import { sendMail } from "@/lib/mail/send";
import { responseFileEventPayload, transferEventPayload } from "@/lib/webhooks/payload";
import { keyDecisionMail, payerVerdictMail, transferProblemMail, type ComposedMail } from "@/lib/notifications/messages";
import { findResponseFile, linksOfTransfer } from "@/db/repositories/response-files";
import type { ResponseFinding } from "@/lib/responses/findings";
import { checkStagingSpace } from "@/lib/notifications/staging-alerts";
import type { SystemActor } from "@/lib/auth/actor";
import { registrationApprovedMail, registrationRejectedMail, registrationSubmittedMail } from "@/lib/notifications/registration-messages";
import { adminAlertAddresses } from "@/lib/transfers/staging/space-records";

export interface DispatchResult {
  events: number;
  mails: number;
  deliveries: string[];
}

/**
 * Fans every undispatched outbox event out to email and webhooks, then marks it dispatched. Every
 * step is idempotent (one mail row per event and address, one delivery per webhook and event), so
 * a dispatcher that crashed half-way, or two dispatchers on the same event, still send each once.
 * Returns the webhook deliveries it created; the caller queues them.
 */
export async function dispatchPendingEvents(system: SystemActor): Promise<DispatchResult> {
  const result: DispatchResult = { events: 0, mails: 0, deliveries: [] };
  for (const event of await undispatchedEvents(await getDb())) {
    try {
      const { mails, deliveries } = await dispatchEvent(system, event);
      result.events += 1;
      result.mails += mails;
      result.deliveries.push(...deliveries);
    } catch (error) {
      // Left undispatched: the next run tries again. One bad event must not hold up the others.
      logger.error("notification event could not be dispatched", { eventId: event.id, type: event.type, error });
    }
  }
  result.mails += await stagingSpaceAlerts(system);
  return result;
}

/** The staging storage check rides on the dispatcher's schedule; kicks in between do not repeat it. */
const STAGING_CHECK_EVERY_MS = 30_000;
let lastStagingCheckAt = 0;

/** The admins' staging storage email (lib/notifications/staging-alerts.ts); a failure never holds up the outbox. */
async function stagingSpaceAlerts(system: SystemActor): Promise<number> {
  if (Date.now() - lastStagingCheckAt < STAGING_CHECK_EVERY_MS) return 0;
  lastStagingCheckAt = Date.now();
  try {
    return (await checkStagingSpace(system)).mails;
  } catch (error) {
    logger.error("staging storage check failed", { error });
    return 0;
  }
}

async function dispatchEvent(system: SystemActor, event: NotificationEvent): Promise<{ mails: number; deliveries: string[] }> {
  const db = await getDb();
  let mail: ComposedMail | null = null;
  let deliveries: string[] = [];
  const contacts = await organisationContacts(db, event.organisationId);
  // Most events tell the organisation; a new registration tells the portal's administrators.
  let recipients = contacts.addresses;
  if (event.transferId && (event.type === "transfer.delivered" || event.type === "transfer.needs_attention" || event.type === "transfer.failed")) {
    const transfer = await transferFacts(db, event.transferId);
    if (transfer) {
      if (event.type !== "transfer.delivered") mail = transferProblemMail({ ...transfer, status: event.type === "transfer.failed" ? "failed" : "needs_attention" }, contacts.organisationName);
      const payload = transferEventPayload({ id: event.id, type: event.type, createdAt: event.createdAt }, { ...transfer, status: statusOf(event.type) });
      deliveries = await createDeliveriesForEvent(system, { id: event.id, type: event.type, organisationId: event.organisationId, transferId: transfer.id }, payload);
    }
  } else if (event.transferId && (event.type === "transfer.accepted" || event.type === "transfer.rejected")) {
    const transfer = await transferFacts(db, event.transferId);
    if (transfer) {
      const responses = (await linksOfTransfer(db, transfer.id)).map((link) => ({
        id: link.responseFileId,
        stage: link.stage,
        verdict: link.verdict,
        headline: link.headline,
        fileName: link.remoteName,
        errors: ((link.detail.findings ?? []) as ResponseFinding[]).slice(0, 20).map((finding) => finding.sentence),
      }));
      mail = payerVerdictMail(transfer, responses, contacts.organisationName, event.type === "transfer.accepted");
      const payload = transferEventPayload({ id: event.id, type: event.type, createdAt: event.createdAt }, transfer, { status: transfer.responseStatus, responses });
      deliveries = await createDeliveriesForEvent(system, { id: event.id, type: event.type, organisationId: event.organisationId, transferId: transfer.id }, payload);
    }
  } else if (event.responseFileId && event.type === "response.received") {
    const file = await findResponseFile(db, event.responseFileId);
    if (file && file.organisationId === event.organisationId) {
      const payload = responseFileEventPayload({ id: event.id, type: event.type, createdAt: event.createdAt }, file);
      deliveries = await createDeliveriesForEvent(system, { id: event.id, type: event.type, organisationId: event.organisationId, transferId: null }, payload);
    }
  } else if (event.sshKeyId && (event.type === "key.approved" || event.type === "key.rejected")) {
    const key = await keyFacts(db, event.sshKeyId);
    if (key) mail = keyDecisionMail(key, contacts.organisationName, event.type === "key.approved");
  } else if (event.type === "registration.submitted" || event.type === "registration.approved" || event.type === "registration.rejected") {
    const registration = await registrationFacts(db, event.organisationId);
    if (registration && event.type === "registration.submitted") {
      mail = registrationSubmittedMail(registration);
      recipients = await adminAlertAddresses(system);
    } else if (registration) {
      mail = event.type === "registration.approved" ? registrationApprovedMail(registration) : registrationRejectedMail(registration);
    }
  }
  let mails = 0;
  if (mail) {
    for (const address of recipients) {
      const outcome = await sendMail({
        to: address,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        kind: event.type,
        organisationId: event.organisationId,
        dedupeKey: `event:${event.id}:${address.toLowerCase()}`,
      });
      if (outcome.status !== "duplicate") mails += 1;
    }
  }
  await markEventDispatched(db, event.id);
  return { mails, deliveries };
}

/** The event says what the status was when it happened; the row may have moved on since (a re-queue). */
function statusOf(type: "transfer.delivered" | "transfer.needs_attention" | "transfer.failed") {
  return type === "transfer.delivered" ? "delivered" : type === "transfer.failed" ? "failed" : "needs_attention";
}
