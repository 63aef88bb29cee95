import type http from "node:http";
import { CLIENT_IP_HEADER } from "@/lib/auth/request-meta";
import type { Env } from "@/lib/env";
import { errorJson } from "@/lib/http/error-response";
import { classifyRequest } from "@/lib/http/request-limits";

/**
 * Headers a client could forge to impersonate our own infrastructure are dropped at the edge:
 * Next.js' internal sub-request marker, and forwarding headers unless a trusted proxy sits in front.
 */
export function sanitiseRequestHeaders(req: http.IncomingMessage, config: Pick<Env, "TRUST_PROXY_HOPS">): void {
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith("x-middleware-") || name === CLIENT_IP_HEADER || name === "x-invoke-path" || name === "x-invoke-query") {
      delete req.headers[name];
    }
  }
  let clientIp = req.socket.remoteAddress ?? null;
  if (config.TRUST_PROXY_HOPS > 0) {
    const forwarded = String(req.headers["x-forwarded-for"] ?? "")
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean);
    clientIp = forwarded[forwarded.length - config.TRUST_PROXY_HOPS] ?? clientIp;
  } else {
    delete req.headers["x-forwarded-for"];
    delete req.headers["x-forwarded-host"];
    delete req.headers["x-forwarded-proto"];
    delete req.headers["x-forwarded-port"];
    delete req.headers["x-real-ip"];
    delete req.headers["forwarded"];
  }
  if (clientIp) req.headers[CLIENT_IP_HEADER] = clientIp.replace(/^::ffff:/, "");
}

/** Time for the client to read the refusal before the connection (and any unread body) is dropped. */
const REFUSAL_LINGER_MS = 1000;

/**
 * Server actions are POSTs to a page's path: with a `Next-Action` header when the page's JavaScript
 * sends them, as a plain multipart form without it. No other POST to a page path is served.
 */
export function isServerActionRequest(req: Pick<http.IncomingMessage, "method" | "url" | "headers">): boolean {
  if ((req.method ?? "").toUpperCase() !== "POST") return false;
  return req.headers["next-action"] !== undefined || classifyRequest(req.method, req.url) === "page";
}

export const ACTION_WITHOUT_ORIGIN_MESSAGE =
  "This form was refused: the request did not say which site sent it (no Origin header, and Sec-Fetch-Site was not same-origin), so the portal cannot tell it came from its own pages. Submit the form from the portal in an up-to-date browser.";

/**
 * Cross-site request forgery of server actions. Next.js compares Origin with Host, but only when
 * Origin is there; a request without it was let through. Browsers send Origin with every POST, or
 * at least Sec-Fetch-Site, so a server action with neither (or with an opaque `Origin: null` and no
 * same-origin Sec-Fetch-Site) did not come from one of our pages: answered 403 with the one error
 * body, before a byte of the body is read. Returns true when it answered.
 */
export function refuseActionWithoutOrigin(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (!isServerActionRequest(req)) return false;
  const origin = req.headers.origin;
  if (origin && origin !== "null") return false;
  if (req.headers["sec-fetch-site"] === "same-origin") return false;
  const body = errorJson("FORBIDDEN", ACTION_WITHOUT_ORIGIN_MESSAGE);
  res.shouldKeepAlive = false;
  res.writeHead(403, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    connection: "close",
  });
  const socket = req.socket;
  res.end(body, () => setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref());
  return true;
}
