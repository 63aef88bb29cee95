import "server-only";
import { loadDeliveryToSend, recordDeliveryAttempt, type AttemptRecord } from "@/lib/webhooks/service";
import { logger } from "@/lib/logger";
import { attemptFromResponse, attemptNotSent, isSuccessStatus } from "@/lib/webhooks/outcome";
import { postWebhook } from "@/lib/webhooks/request";
import { signatureHeader } from "@/lib/webhooks/signature";
import { parseWebhookUrl, resolveWebhookTarget, WebhookUrlError } from "@/lib/webhooks/url";
import type { SystemActor } from "@/lib/auth/actor";

export type AttemptOutcome = "delivered" | "retry" | "failed" | "skipped";

/**
 * One attempt of one delivery: resolve and check the address again (DNS may have changed since the
 * webhook was created), sign the stored body with a fresh timestamp, POST, and log the attempt.
 * 2xx is delivered; anything else is retried until the attempts are used up. The log records a
 * category the organisation may see and the raw error for admins (lib/webhooks/outcome.ts).
 */
export async function attemptWebhookDelivery(dispatcher: SystemActor, deliveryId: string, options: { isLastAttempt: boolean; nextAttemptInSeconds?: number }): Promise<AttemptOutcome> {
  const loaded = await loadDeliveryToSend(dispatcher, deliveryId);
  if (!loaded || loaded.delivery.status !== "pending") return "skipped";
  const { delivery } = loaded;
  const startedAt = new Date();
  let attempt: AttemptRecord;
  if (loaded.disabled || !loaded.secret) {
    attempt = attemptNotSent(startedAt, "not_sent", loaded.disabled ? "The webhook is disabled; nothing was sent." : "The webhook's signing secret is missing.");
    await recordDeliveryAttempt(dispatcher, delivery.id, attempt, { status: "failed" });
    return "failed";
  }
  const body = JSON.stringify(delivery.payload);
  try {
    const url = parseWebhookUrl(loaded.url);
    const target = await resolveWebhookTarget(url);
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await postWebhook(url, target, body, {
      "x-portal-signature": signatureHeader(loaded.secret, body, timestamp),
      "x-portal-event": delivery.event,
      "x-portal-delivery": delivery.id,
    });
    attempt = attemptFromResponse(startedAt, response);
  } catch (error) {
    attempt =
      error instanceof WebhookUrlError
        ? attemptNotSent(startedAt, "address_refused", error.message)
        : attemptNotSent(startedAt, "not_sent", "The request could not be made because of an error on our side; an administrator can see the details.", (error instanceof Error ? error.message : String(error)).slice(0, 300));
  }
  const ok = isSuccessStatus(attempt.statusCode);
  const outcome = ok ? "delivered" : options.isLastAttempt ? "failed" : "pending";
  await recordDeliveryAttempt(dispatcher, delivery.id, attempt, { status: outcome, nextAttemptInSeconds: options.nextAttemptInSeconds });
  logger.info("webhook attempt", { deliveryId: delivery.id, event: delivery.event, statusCode: attempt.statusCode, category: attempt.category, error: attempt.detail ?? undefined, outcome });
  return ok ? "delivered" : options.isLastAttempt ? "failed" : "retry";
}
