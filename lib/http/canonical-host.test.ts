import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalHostRedirect, redirectToCanonicalHost } from "@/lib/http/canonical-host";

const local = { PUBLIC_URL: "http://localhost:3000" };
const request = (url: string, host: string | undefined, extra: Record<string, string> = {}, method = "GET") => ({
  method,
  url,
  headers: { ...(host === undefined ? {} : { host }), ...extra },
});

describe("canonicalHostRedirect", () => {
  it("sends a page asked for under another name to the same path on PUBLIC_URL's origin", () => {
    expect(canonicalHostRedirect(request("/", "127.0.0.1:3000"), local)).toBe("http://localhost:3000/");
    expect(canonicalHostRedirect(request("/sign-in?callbackUrl=%2Fhistory", "127.0.0.1:3000"), local)).toBe("http://localhost:3000/sign-in?callbackUrl=%2Fhistory");
    expect(canonicalHostRedirect(request("/dashboard", "[::1]:3000"), local)).toBe("http://localhost:3000/dashboard");
    expect(canonicalHostRedirect(request("/", "192.168.1.20:3000", {}, "HEAD"), local)).toBe("http://localhost:3000/");
    expect(canonicalHostRedirect(request("/", "localhost:3001"), local)).toBe("http://localhost:3000/");
  });

  it("leaves the canonical host alone, whatever its case, a trailing dot or an explicit default port", () => {
    expect(canonicalHostRedirect(request("/sign-in", "localhost:3000"), local)).toBeNull();
    expect(canonicalHostRedirect(request("/sign-in", "LOCALHOST:3000"), local)).toBeNull();
    const https = { PUBLIC_URL: "https://portal.example.com" };
    expect(canonicalHostRedirect(request("/", "portal.example.com"), https)).toBeNull();
    expect(canonicalHostRedirect(request("/", "portal.example.com:443"), https)).toBeNull();
    expect(canonicalHostRedirect(request("/", "portal.example.com."), https)).toBeNull();
    expect(canonicalHostRedirect(request("/", "www.example.com"), https)).toBe("https://portal.example.com/");
  });

  it("accepts a trusted proxy's X-Forwarded-Host (server.ts drops it when no proxy is trusted)", () => {
    const https = { PUBLIC_URL: "https://portal.example.com" };
    expect(canonicalHostRedirect(request("/", "portal:3000", { "x-forwarded-host": "portal.example.com" }), https)).toBeNull();
    expect(canonicalHostRedirect(request("/", "portal:3000", { "x-forwarded-host": "portal.example.com, portal:3000" }), https)).toBeNull();
    expect(canonicalHostRedirect(request("/", "portal:3000", { "x-forwarded-host": "other.example.com" }), https)).toBe("https://portal.example.com/");
  });

  it("answers the API, the health check, tus and Next's assets under any name, and only redirects GET and HEAD", () => {
    for (const url of ["/api/health", "/api", "/api/uploads/abc", "/api/v1/transfers?limit=5", "/api/auth/session", "/_next/static/chunks/app.js"]) {
      expect(canonicalHostRedirect(request(url, "10.0.0.7:3000"), local)).toBeNull();
    }
    expect(canonicalHostRedirect(request("/sign-in", "127.0.0.1:3000", {}, "POST"), local)).toBeNull();
    expect(canonicalHostRedirect(request("/apiary", "127.0.0.1:3000"), local)).toBe("http://localhost:3000/apiary");
  });

  it("never sends the browser to a host taken from the request", () => {
    expect(canonicalHostRedirect(request("//evil.example/x", "127.0.0.1:3000"), local)).toBe("http://localhost:3000//evil.example/x");
    expect(canonicalHostRedirect(request("http://evil.example/history?q=1", "127.0.0.1:3000"), local)).toBe("http://localhost:3000/history?q=1");
    expect(canonicalHostRedirect(request("*", "127.0.0.1:3000"), local)).toBeNull();
    expect(canonicalHostRedirect(request("/", undefined), local)).toBeNull();
  });
});

/** Wired like server.ts: the redirect first, then the application. */
describe("a server behind the redirect", () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (redirectToCanonicalHost(req, res, { PUBLIC_URL: `http://localhost:${port}` })) return;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`served ${req.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("redirects a page at 127.0.0.1 with 307 and no-store, and serves the health check there", async () => {
    const page = await fetch(`http://127.0.0.1:${port}/sign-in?x=1`, { redirect: "manual" });
    expect(page.status).toBe(307);
    expect(page.headers.get("location")).toBe(`http://localhost:${port}/sign-in?x=1`);
    expect(page.headers.get("cache-control")).toBe("no-store");
    const health = await fetch(`http://127.0.0.1:${port}/api/health`, { redirect: "manual" });
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("served /api/health");
  });

  it("serves the page on the canonical host without a redirect", async () => {
    // fetch sets Host itself; http.get sends the one a browser at http://localhost:<port> would.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port, path: "/sign-in", headers: { host: `localhost:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on("error", reject);
    });
    expect(status).toBe(200);
  });
});
