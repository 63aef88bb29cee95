import "server-only";
import { loadDeliveryToSend, recordDeliveryAttempt, type AttemptRecord } from "@/lib/webhooks/service";
import { logger } from "@/lib/logger";
import { postWebhook } from "@/lib/webhooks/request";
import { signatureHeader } from "@/lib/webhooks/signature";
import { parseWebhookUrl, resolveWebhookTarget, WebhookUrlError } from "@/lib/webhooks/url";
import type { SystemActor } from "@/lib/auth/actor";

export type AttemptOutcome = "delivered" | "retry" | "failed" | "skipped";

/**
 * One attempt of one delivery: resolve and check the address again (DNS may have changed since the
 * webhook was created), sign the stored body with a fresh timestamp, POST, and log the attempt.
 * 2xx is delivered; anything else is retried until the attempts are used up.
 */
export async function attemptWebhookDelivery(dispatcher: SystemActor, deliveryId: string, options: { isLastAttempt: boolean; nextAttemptInSeconds?: number }): Promise<AttemptOutcome> {
  const loaded = await loadDeliveryToSend(dispatcher, deliveryId);
  if (!loaded || loaded.delivery.status !== "pending") return "skipped";
  const { delivery } = loaded;
  const startedAt = new Date();
  let attempt: AttemptRecord;
  if (loaded.disabled || !loaded.secret) {
    attempt = { at: startedAt.toISOString(), statusCode: null, error: loaded.disabled ? "The webhook is disabled; nothing was sent." : "The webhook's signing secret is missing.", durationMs: 0 };
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
    attempt = {
      at: startedAt.toISOString(),
      statusCode: response.statusCode,
      error: response.error ?? (response.statusCode !== null && (response.statusCode < 200 || response.statusCode > 299) ? `The receiver answered HTTP ${response.statusCode}.` : null),
      durationMs: response.durationMs,
    };
  } catch (error) {
    const message = error instanceof WebhookUrlError ? error.message : `The request could not be made: ${error instanceof Error ? error.message : String(error)}`;
    attempt = { at: startedAt.toISOString(), statusCode: null, error: message.slice(0, 300), durationMs: 0 };
  }
  const ok = attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode <= 299;
  const outcome = ok ? "delivered" : options.isLastAttempt ? "failed" : "pending";
  await recordDeliveryAttempt(dispatcher, delivery.id, attempt, { status: outcome, nextAttemptInSeconds: options.nextAttemptInSeconds });
  logger.info("webhook attempt", { deliveryId: delivery.id, event: delivery.event, statusCode: attempt.statusCode, outcome });
  return ok ? "delivered" : options.isLastAttempt ? "failed" : "retry";
}
