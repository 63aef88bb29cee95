import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { applySecurityHeaders, contentSecurityPolicy } from "@/lib/http/security-headers";
import { sanitiseRequestHeaders } from "@/lib/http/request-headers";

/**
 * The header layer of server.ts on a real HTTP server: what the response carries, and what the
 * request handed to Next.js carries, for an input a client controls.
 */
let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(config: { PUBLIC_URL: string; TRUST_PROXY_HOPS: number }) {
  const seen: http.IncomingHttpHeaders[] = [];
  server = http.createServer((req, res) => {
    sanitiseRequestHeaders(req, config);
    applySecurityHeaders(req, res, config);
    seen.push({ ...req.headers });
    res.end("ok");
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, seen };
}

describe("security headers", () => {
  it("the policy allows scripts only by nonce, never inline, and forbids framing, plugins and foreign forms", () => {
    const csp = contentSecurityPolicy("abc123");
    const script = csp.split("; ").find((d) => d.startsWith("script-src"));
    expect(script).toBe("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "default-src 'self'"]) expect(csp).toContain(directive);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).not.toContain("unsafe-eval");
  });

  it("plain HTTP: no HSTS, and a client's X-Forwarded-Proto: https does not add it", async () => {
    const { base } = await serve({ PUBLIC_URL: "http://localhost:3000", TRUST_PROXY_HOPS: 0 });
    const response = await fetch(base, { headers: { "x-forwarded-proto": "https" } });
    expect(response.headers.get("strict-transport-security")).toBeNull();
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(response.headers.get("x-powered-by")).toBeNull();
  });

  it("an https PUBLIC_URL sends HSTS on every response", async () => {
    const { base } = await serve({ PUBLIC_URL: "https://portal.example", TRUST_PROXY_HOPS: 0 });
    const response = await fetch(base);
    expect(response.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
  });

  it("behind one trusted proxy, the proxy's X-Forwarded-Proto decides, not an earlier hop the client wrote", async () => {
    const { base } = await serve({ PUBLIC_URL: "http://portal.internal", TRUST_PROXY_HOPS: 1 });
    expect((await fetch(base, { headers: { "x-forwarded-proto": "https" } })).headers.get("strict-transport-security")).toContain("max-age=");
    expect((await fetch(base, { headers: { "x-forwarded-proto": "https, http" } })).headers.get("strict-transport-security")).toBeNull();
    expect((await fetch(base)).headers.get("strict-transport-security")).toBeNull();
  });

  it("the nonce Next.js reads is ours, a new one per request, whatever the client sent", async () => {
    const { base, seen } = await serve({ PUBLIC_URL: "http://localhost:3000", TRUST_PROXY_HOPS: 0 });
    const first = await fetch(base, { headers: { "content-security-policy": "script-src 'nonce-chosenbyattacker'", "content-security-policy-report-only": "script-src 'nonce-x'" } });
    const second = await fetch(base);
    expect(seen[0]["content-security-policy"]).not.toContain("chosenbyattacker");
    expect(seen[0]["content-security-policy-report-only"]).toBeUndefined();
    expect(seen[0]["content-security-policy"]).toBe(first.headers.get("content-security-policy"));
    expect(first.headers.get("content-security-policy")).not.toBe(second.headers.get("content-security-policy"));
  });
});
