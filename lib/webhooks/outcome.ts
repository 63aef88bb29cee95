import "server-only";
import type { AttemptRecord, DeliverySummary, WebhookAttemptCategory } from "@/db/repositories/webhooks";
import type { Actor } from "@/lib/auth/actor";
import type { WebhookResponse } from "@/lib/webhooks/request";

/**
 * The delivery log is read by whoever chose the webhook's URL. If it showed the network error, a
 * partner could point a webhook at any host and port and read "ECONNREFUSED" (closed) apart from
 * "EPROTO" (open, not TLS): a port scanner run from our address. So the log says one fixed sentence
 * per category, the same for every failure before a verified TLS session, and keeps the raw error
 * in `detail`, which only the portal's administrators are shown.
 */
const CONNECT_FAILED =
  "Could not connect: no trusted HTTPS server answered at this address and port (the connection was refused or not answered, the server does not speak HTTPS, or its certificate is not trusted).";
const TIMED_OUT = "Timed out: the receiver accepted the secure connection but sent no HTTP answer in time.";
const NO_ANSWER = "The receiver closed the secure connection without an HTTP answer.";

export function isSuccessStatus(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode <= 299;
}

/** The log entry for one request that was sent. */
export function attemptFromResponse(at: Date, response: WebhookResponse): AttemptRecord {
  const base = { at: at.toISOString(), statusCode: response.statusCode, durationMs: response.durationMs };
  if (response.failure) {
    const { stage, raw } = response.failure;
    const [category, error]: [WebhookAttemptCategory, string] = stage === "connect" ? ["could_not_connect", CONNECT_FAILED] : stage === "timeout" ? ["timed_out", TIMED_OUT] : ["no_answer", NO_ANSWER];
    return { ...base, category, error, detail: raw };
  }
  if (isSuccessStatus(response.statusCode)) return { ...base, category: "delivered", error: null, detail: null };
  return { ...base, category: "http_status", error: `The receiver answered HTTP ${response.statusCode}.`, detail: null };
}

/** The log entry for an attempt that stopped before any request: our own message, safe to show. */
export function attemptNotSent(at: Date, category: "address_refused" | "not_sent", error: string, detail: string | null = null): AttemptRecord {
  return { at: at.toISOString(), statusCode: null, category, error, durationMs: 0, detail };
}

export interface AttemptView {
  at: string;
  statusCode: number | null;
  category: WebhookAttemptCategory;
  message: string | null;
  /** Hidden from partners when nothing connected: how long a failure took says which kind it was. */
  durationMs: number | null;
  /** The raw error: admins only. */
  detail?: string;
}

export type DeliveryView = Omit<DeliverySummary, "attempts" | "lastError"> & { attempts: AttemptView[]; lastError: string | null };

function categoryOf(attempt: AttemptRecord): WebhookAttemptCategory {
  if (attempt.category) return attempt.category;
  // Attempts logged before categories: a null status meant a network-level failure.
  if (attempt.statusCode === null) return "could_not_connect";
  return isSuccessStatus(attempt.statusCode) ? "delivered" : "http_status";
}

function attemptAsSeenBy(isAdmin: boolean, attempt: AttemptRecord): AttemptView {
  const category = categoryOf(attempt);
  const legacyRaw = !attempt.category && category === "could_not_connect" ? attempt.error : null;
  const raw = attempt.detail ?? legacyRaw;
  return {
    at: attempt.at,
    statusCode: attempt.statusCode,
    category,
    message: legacyRaw !== null ? CONNECT_FAILED : attempt.error,
    durationMs: isAdmin || category !== "could_not_connect" ? attempt.durationMs : null,
    ...(isAdmin && raw ? { detail: raw } : {}),
  };
}

/** A delivery as this reader may see it: the raw errors stay with the portal's administrators. */
export function deliveryAsSeenBy(actor: Actor, delivery: DeliverySummary): DeliveryView {
  const attempts = delivery.attempts.map((attempt) => attemptAsSeenBy(actor.role === "admin", attempt));
  return { ...delivery, attempts, lastError: attempts.at(-1)?.message ?? null };
}
