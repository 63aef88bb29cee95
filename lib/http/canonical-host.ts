import type http from "node:http";
import type { Env } from "@/lib/env";

/**
 * One host name per portal: PUBLIC_URL's. Session cookies belong to the host that set them, and
 * Auth.js sends the browser to PUBLIC_URL after sign-in, so a page opened under another name for
 * the same server (http://127.0.0.1:3000 for http://localhost:3000, a LAN address, a second DNS
 * name) signed in on one host and landed on the other: a silent loop back to an empty form. A
 * browser asking for a page under another name is sent to the same path on PUBLIC_URL's origin
 * first (307, never cached), before any form is shown.
 *
 * Only pages: /api/* (health checks from load balancers, tus, the partner API, Auth.js' own
 * endpoints) and Next's assets answer under any name. Only GET and HEAD: a navigation; a POST
 * under another name came from no page of ours (Next.js compares Origin with Host for actions).
 *
 * Behind a reverse proxy the Host header (or, with TRUST_PROXY_HOPS, X-Forwarded-Host) must carry
 * the public name already: Next.js refuses server actions otherwise, so no working deployment is
 * redirected in a loop. Either matching PUBLIC_URL is enough, as for Next's own check.
 */
export function canonicalHostRedirect(
  req: Pick<http.IncomingMessage, "method" | "url" | "headers">,
  config: Pick<Env, "PUBLIC_URL">,
): string | null {
  const method = (req.method ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD") return null;
  const path = requestPath(req.url);
  if (path === null || isAnyHostPath(path)) return null;
  const publicUrl = new URL(config.PUBLIC_URL);
  const host = headerValue(req.headers.host);
  // HTTP/1.0 without Host: nothing to compare; Next answers as before.
  if (!host) return null;
  const forwardedHost = headerValue(req.headers["x-forwarded-host"])?.split(",")[0]?.trim();
  if (sameHost(host, publicUrl) || (forwardedHost && sameHost(forwardedHost, publicUrl))) return null;
  // The origin and the request's own path: never a host taken from the request (no open redirect;
  // "//evil.example/x" stays a path on the portal).
  return `${publicUrl.origin}${path}`;
}

/** Answers the redirect when the request came under another host name; true when it answered. */
export function redirectToCanonicalHost(req: http.IncomingMessage, res: http.ServerResponse, config: Pick<Env, "PUBLIC_URL">): boolean {
  const location = canonicalHostRedirect(req, config);
  if (!location) return false;
  res.writeHead(307, { location, "cache-control": "no-store", "content-type": "text/plain; charset=utf-8" });
  res.end(req.method?.toUpperCase() === "HEAD" ? undefined : `This portal is at ${location}\n`);
  return true;
}

function isAnyHostPath(path: string): boolean {
  const pathname = path.split("?")[0];
  return pathname === "/api" || pathname.startsWith("/api/") || pathname.startsWith("/_next/");
}

/** The path and query of the request target (origin-form or absolute-form); null for "*" and garbage. */
function requestPath(url: string | undefined): string | null {
  const target = url ?? "/";
  if (target.startsWith("/")) return target;
  try {
    const parsed = new URL(target);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return null;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443" };

function sameHost(requestHost: string, publicUrl: URL): boolean {
  let parsed: URL;
  try {
    parsed = new URL(`${publicUrl.protocol}//${requestHost}`);
  } catch {
    return false;
  }
  // URL drops the scheme's default port on both sides, and lower-cases the name.
  const name = (url: URL) => url.hostname.replace(/\.$/, "");
  const port = (url: URL) => url.port || DEFAULT_PORTS[url.protocol] || "";
  return name(parsed) === name(publicUrl) && port(parsed) === port(publicUrl);
}
