import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorSchema } from "@/lib/api/schemas";
import { ACTION_WITHOUT_ORIGIN_MESSAGE, isServerActionRequest, refuseActionWithoutOrigin, sanitiseRequestHeaders } from "@/lib/http/request-headers";
import { applySecurityHeaders } from "@/lib/http/security-headers";
import { guardRequest, serverOptions, type RequestTimeouts } from "@/lib/http/request-limits";

/**
 * Issue #16: Next.js refuses a server action whose Origin differs from Host, but lets one without an
 * Origin through. server.ts now refuses a server action (a POST to a page path, with or without
 * `Next-Action`) that has no Origin unless Sec-Fetch-Site says same-origin — every browser sends one
 * or the other. The server below is composed like server.ts's front door, with a stand-in for Next.js
 * that records what reached it.
 */

const TIMEOUTS: RequestTimeouts = { headersMs: 2000, bodyMs: 2000, uploadIdleMs: 2000, keepAliveMs: 2000 };
const CONFIG = { TRUST_PROXY_HOPS: 0, PUBLIC_URL: "http://127.0.0.1" };

let server: http.Server;
let port = 0;
const reached: string[] = [];

beforeAll(async () => {
  server = http.createServer(serverOptions(TIMEOUTS), (req, res) => {
    sanitiseRequestHeaders(req, CONFIG);
    applySecurityHeaders(req, res, CONFIG);
    if (refuseActionWithoutOrigin(req, res)) return;
    if (!guardRequest(req, res, TIMEOUTS)) return;
    reached.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => res.end("reached the app"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http adds no Origin and no Sec-Fetch-* header of its own: the test decides them all. */
function send(method: string, url: string, headers: Record<string, string>, body = ""): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, method, path: url, agent: false, headers: { host: `127.0.0.1:${port}`, ...headers, ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

const FORM = "--x\r\nContent-Disposition: form-data; name=\"$ACTION_ID_abc\"\r\n\r\n\r\n--x\r\nContent-Disposition: form-data; name=\"enabled\"\r\n\r\non\r\n--x--\r\n";
/** With JavaScript: React posts to the page's path with Next-Action. */
const jsAction = { "next-action": "7f3a9c", accept: "text/x-component", "content-type": "multipart/form-data; boundary=x" };
/** Without JavaScript: the form's own multipart post, its action named in hidden $ACTION_ fields. */
const plainForm = { accept: "text/html", "content-type": "multipart/form-data; boundary=x" };

describe("server actions without an Origin", () => {
  it.each([
    ["Next-Action, no Origin, no Sec-Fetch-Site", jsAction],
    ["a plain form post, no Origin, no Sec-Fetch-Site", plainForm],
    ["Origin: null (an opaque origin)", { ...jsAction, origin: "null" }],
    ["no Origin, Sec-Fetch-Site: cross-site", { ...jsAction, "sec-fetch-site": "cross-site" }],
    ["no Origin, Sec-Fetch-Site: same-site (a sibling subdomain)", { ...plainForm, "sec-fetch-site": "same-site" }],
    ["no Origin, Sec-Fetch-Site: none", { ...jsAction, "sec-fetch-site": "none" }],
  ])("are refused with 403 and the one error body: %s", async (_label, headers) => {
    const before = reached.length;
    const answer = await send("POST", "/account", headers, FORM);
    expect(answer.status).toBe(403);
    expect(answer.headers["content-type"]).toContain("application/json");
    expect(answer.headers.connection).toBe("close");
    // The refusal carries the security headers like every answer.
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    const { error } = errorSchema.parse(JSON.parse(answer.body));
    expect(error).toEqual({ code: "FORBIDDEN", message: ACTION_WITHOUT_ORIGIN_MESSAGE });
    expect(reached.length, "nothing reached Next.js").toBe(before);
  });

  it.each([
    ["Sec-Fetch-Site: same-origin without Origin", { ...jsAction, "sec-fetch-site": "same-origin" }],
    ["our Origin (Next.js compares it with Host)", { ...plainForm, origin: "http://127.0.0.1" }],
    ["a foreign Origin: Next.js's own Origin/Host check refuses it (e2e/header-tricks.spec.ts)", { ...jsAction, origin: "https://evil.example" }],
  ])("are handed on when the browser said where they came from: %s", async (_label, headers) => {
    const answer = await send("POST", "/account", headers, FORM);
    expect(answer.status).toBe(200);
    expect(reached.at(-1)).toBe("POST /account");
  });

  it("other requests are not server actions and need no Origin: pages, the partner API, Auth.js", async () => {
    for (const [method, url] of [
      ["GET", "/account"],
      ["HEAD", "/"],
      ["POST", "/api/v1/transfers/abc/confirm"],
      ["POST", "/api/auth/callback/credentials"],
    ] as const) {
      const answer = await send(method, url, {}, method === "POST" ? "{}" : "");
      expect(answer.status, `${method} ${url}`).toBe(200);
    }
    expect(isServerActionRequest({ method: "POST", url: "/api/anything", headers: { "next-action": "x" } }), "a Next-Action header anywhere is an action").toBe(true);
    expect(isServerActionRequest({ method: "POST", url: "/api/v1/transfers", headers: {} })).toBe(false);
    expect(isServerActionRequest({ method: "POST", url: "/keys?x=1", headers: {} })).toBe(true);
  });

  it("server.ts puts the check in front of Next.js for every request", () => {
    const source = fs.readFileSync(path.join(process.cwd(), "server.ts"), "utf8");
    const gate = source.indexOf("refuseActionWithoutOrigin(req, res)");
    expect(gate).toBeGreaterThan(source.indexOf("applySecurityHeaders(req, res"));
    expect(gate).toBeLessThan(source.indexOf("handler(req, res)"));
  });
});
