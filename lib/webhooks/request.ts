import "server-only";
import fs from "node:fs";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type tls from "node:tls";
import { env } from "@/lib/env";
import { clientSecureContext } from "@/lib/net/tls-contexts";
import type { ValidatedTarget } from "@/lib/transfers/types";

/**
 * Where a request without an HTTP answer stopped. Everything before a verified TLS session is one
 * stage, "connect": a refused port, a silent one, a server speaking something other than TLS and
 * an untrusted certificate must look the same to whoever chose the URL, or the delivery log becomes
 * a port scanner. After the session, the receiver is a verified HTTPS server and may be told apart.
 */
export type WebhookFailureStage = "connect" | "timeout" | "no_answer";

export interface WebhookResponse {
  statusCode: number | null;
  /** Set when no status came back: the stage, and the raw error (for the portal's administrators only). */
  failure: { stage: WebhookFailureStage; raw: string } | null;
  durationMs: number;
}

let extraCa: { file: string; pem: string } | undefined;

/**
 * The public roots plus WEBHOOK_CA_FILE's certificates, when set, as a context built once
 * (lib/net/tls-contexts.ts): listing the roots for each request cost this event loop 23 ms each.
 * Verification is never switched off.
 */
function trustedContext(): tls.SecureContext {
  const file = env().WEBHOOK_CA_FILE;
  if (!file) return clientSecureContext();
  if (extraCa?.file !== file) extraCa = { file, pem: fs.readFileSync(file, "utf8") };
  return clientSecureContext({ extraCaPem: extraCa.pem });
}

/** Answers every lookup with the address validated earlier: no second DNS query can swap it. */
function pinnedLookup(target: ValidatedTarget): LookupFunction {
  const family = target.address.includes(":") ? 6 : 4;
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family }]);
    else callback(null, target.address, family);
  };
}

/**
 * One POST to the receiver. Connects to the validated address while the certificate is checked
 * against the URL's host name; redirects are not followed (a 3xx is an answer like any other);
 * the response body is read up to a small limit and thrown away.
 */
export function postWebhook(url: URL, target: ValidatedTarget, body: string, headers: Record<string, string>): Promise<WebhookResponse> {
  const timeoutMs = env().WEBHOOK_TIMEOUT_SECONDS * 1000;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let secured = false;
    let timedOut = false;
    const finish = (statusCode: number | null, failure: WebhookResponse["failure"]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ statusCode, failure, durationMs: elapsed() });
    };
    // https.request hands its options to tls.connect, which takes a prepared context (its types omit it).
    const options: https.RequestOptions & { secureContext: tls.SecureContext } = {
      method: "POST",
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: target.port,
      path: `${url.pathname}${url.search}`,
      headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "user-agent": "EDI-Transfer-Portal-Webhooks/1" },
      lookup: pinnedLookup(target),
      secureContext: trustedContext(),
      agent: false,
    };
    const request = https.request(
      options,
      (response) => {
        let received = 0;
        response.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received > 64 * 1024) response.destroy();
        });
        response.on("end", () => finish(response.statusCode ?? null, null));
        response.on("close", () => finish(response.statusCode ?? null, null));
        response.on("error", () => finish(response.statusCode ?? null, null));
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy(new Error(`no answer within ${timeoutMs / 1000} seconds`));
    }, timeoutMs);
    // "secureConnect" fires only once the certificate chain and host name were verified.
    request.on("socket", (socket) => socket.once("secureConnect", () => (secured = true)));
    request.on("error", (error: NodeJS.ErrnoException) => {
      const stage: WebhookFailureStage = !secured ? "connect" : timedOut ? "timeout" : "no_answer";
      finish(null, { stage, raw: describeRequestError(error) });
    });
    request.end(body);
  });
}

function describeRequestError(error: NodeJS.ErrnoException): string {
  const code = error.code ? `${error.code}: ` : "";
  return `${code}${error.message}`.slice(0, 300);
}
