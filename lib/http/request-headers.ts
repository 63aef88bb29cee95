import type http from "node:http";
import { CLIENT_IP_HEADER } from "@/lib/auth/request-meta";
import type { Env } from "@/lib/env";

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
