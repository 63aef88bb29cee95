import crypto from "node:crypto";
import type http from "node:http";

/**
 * Response headers every answer of the portal carries (pages, API routes, static files, 404s), set
 * by server.ts before Next.js sees the request. One place, so no route can forget them.
 */

/** A fresh, unguessable nonce per request: only scripts carrying it may run on that page. */
export function createNonce(): string {
  return crypto.randomBytes(18).toString("base64");
}

/**
 * Scripts: only ours, and only those carrying this request's nonce ('strict-dynamic' lets Next.js'
 * nonced loader fetch its own chunks); no inline script written by an attacker can run. Styles keep
 * 'unsafe-inline' because React style attributes (progress bars) cannot carry a nonce; CSS cannot
 * run code. Nothing may frame the portal, post forms elsewhere or rebase relative URLs.
 * Development adds 'unsafe-eval' only because React's dev build needs it for stack traces.
 */
export function contentSecurityPolicy(nonce: string, options: { dev?: boolean } = {}): string {
  const scriptSources = ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(options.dev ? ["'unsafe-eval'"] : [])];
  return [
    "default-src 'self'",
    `script-src ${scriptSources.join(" ")}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${options.dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'self'",
    "manifest-src 'self'",
  ].join("; ");
}

/** Two years, subdomains included: browsers then refuse plain HTTP to the portal altogether. */
export const STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains";

export const staticSecurityHeaders: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

/**
 * Whether this request reached the portal over HTTPS: the public URL says so, or (only when a
 * trusted proxy sits in front) the proxy's X-Forwarded-Proto does. A client cannot claim it.
 */
export function servedOverHttps(req: http.IncomingMessage, config: { PUBLIC_URL: string; TRUST_PROXY_HOPS: number }): boolean {
  if (config.PUBLIC_URL.startsWith("https:")) return true;
  if (config.TRUST_PROXY_HOPS > 0) {
    const forwarded = String(req.headers["x-forwarded-proto"] ?? "")
      .split(",")
      .map((part) => part.trim().toLowerCase())
      .filter(Boolean);
    return forwarded[forwarded.length - config.TRUST_PROXY_HOPS] === "https";
  }
  return (req.socket as { encrypted?: boolean }).encrypted === true;
}

/**
 * Sets the response headers, and hands the nonce to Next.js the way it reads it: from the
 * request's `content-security-policy` header (Next.js nonces its own scripts with it). Whatever
 * CSP header a client sent is replaced, so a client cannot choose the nonce.
 */
export function applySecurityHeaders(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  config: { PUBLIC_URL: string; TRUST_PROXY_HOPS: number; dev?: boolean },
): string {
  const nonce = createNonce();
  const policy = contentSecurityPolicy(nonce, { dev: config.dev });
  delete req.headers["content-security-policy-report-only"];
  req.headers["content-security-policy"] = policy;
  res.setHeader("Content-Security-Policy", policy);
  for (const [name, value] of Object.entries(staticSecurityHeaders)) res.setHeader(name, value);
  if (servedOverHttps(req, config)) res.setHeader("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
  res.removeHeader("X-Powered-By");
  return nonce;
}
