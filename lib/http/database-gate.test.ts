import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDatabaseStatus } from "@/lib/health/database-status";
import { DATABASE_DOWN_MESSAGE, DATABASE_RESTARTING_MESSAGE, DATABASE_RETRY_AFTER_SECONDS, databaseUnavailableAnswer, refuseWhileDatabaseUnavailable } from "@/lib/http/database-gate";

describe("databaseUnavailableAnswer", () => {
  it("lets everything through while the database is up", () => {
    expect(databaseUnavailableAnswer({ url: "/api/v1/transfers" }, { state: "up" })).toBeNull();
    expect(databaseUnavailableAnswer({ url: "/upload", accept: "text/html" }, { state: "up" })).toBeNull();
  });

  it("answers API calls with the API's error shape and Retry-After while it restarts", () => {
    const answer = databaseUnavailableAnswer({ url: "/api/v1/transfers?limit=5" }, { state: "restarting" });
    expect(answer).toMatchObject({ status: 503, headers: { "retry-after": String(DATABASE_RETRY_AFTER_SECONDS), "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
    expect(JSON.parse(answer!.body)).toEqual({ error: { code: "DATABASE_UNAVAILABLE", message: DATABASE_RESTARTING_MESSAGE } });
  });

  it("answers a browser with a short page that reloads itself, and anyone else with text", () => {
    const page = databaseUnavailableAnswer({ url: "/history", accept: "text/html,application/xhtml+xml,*/*;q=0.8" }, { state: "restarting" });
    expect(page).toMatchObject({ status: 503, headers: { "content-type": "text/html; charset=utf-8" } });
    expect(page!.body).toContain(DATABASE_RESTARTING_MESSAGE);
    expect(page!.body).toContain('http-equiv="refresh"');
    const text = databaseUnavailableAnswer({ url: "/history" }, { state: "restarting" });
    expect(text).toMatchObject({ status: 503, headers: { "content-type": "text/plain; charset=utf-8" }, body: `${DATABASE_RESTARTING_MESSAGE}\n` });
  });

  it("says when the database could not come back", () => {
    const answer = databaseUnavailableAnswer({ url: "/api/v1/transfers" }, { state: "down" });
    expect(JSON.parse(answer!.body)).toEqual({ error: { code: "DATABASE_UNAVAILABLE", message: DATABASE_DOWN_MESSAGE } });
    expect(databaseUnavailableAnswer({ url: "/", accept: "text/html" }, { state: "down" })!.body).not.toContain("refresh");
  });

  it("lets the health check and static assets through, and no path trick borrows that", () => {
    expect(databaseUnavailableAnswer({ url: "/api/health" }, { state: "restarting" })).toBeNull();
    expect(databaseUnavailableAnswer({ url: "/api/health?probe=1" }, { state: "down" })).toBeNull();
    expect(databaseUnavailableAnswer({ url: "/_next/static/chunks/app.js" }, { state: "restarting" })).toBeNull();
    expect(databaseUnavailableAnswer({ url: "/api/health/details" }, { state: "restarting" })).not.toBeNull();
    expect(databaseUnavailableAnswer({ url: "/_next/static/../../api/v1/transfers" }, { state: "restarting" })).not.toBeNull();
    expect(databaseUnavailableAnswer({ url: "/api/healthz" }, { state: "restarting" })).not.toBeNull();
  });
});

/** A server wired like server.ts: the gate first (with the runtime's database status), then the application. */
describe("a handler behind the gate", () => {
  const status = createDatabaseStatus();
  let server: http.Server;
  let base: string;
  let handled = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (refuseWhileDatabaseUnavailable(req, res, status.current())) return;
      handled += 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  afterEach(() => status.record({ kind: "opened" }));

  it("answers 503 while the database restarts, and serves again once it is up", async () => {
    status.record({ kind: "opened" });
    expect((await fetch(`${base}/api/v1/transfers`)).status).toBe(200);
    const before = handled;

    status.record({ kind: "restarting", reason: "signal SIGKILL" });
    const api = await fetch(`${base}/api/v1/transfers`);
    expect(api.status).toBe(503);
    expect(api.headers.get("retry-after")).toBe("5");
    expect(api.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await api.json()).toEqual({ error: { code: "DATABASE_UNAVAILABLE", message: "The portal's database is restarting; try again in a few seconds." } });

    const page = await fetch(`${base}/history`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("restarting");

    // A body is never read: the answer comes at once and the connection is not kept for more.
    const upload = await fetch(`${base}/api/v1/transfers`, { method: "POST", body: "x".repeat(64 * 1024), headers: { "content-type": "application/octet-stream" } });
    expect(upload.status).toBe(503);
    expect(upload.headers.get("connection")).toBe("close");
    await upload.arrayBuffer();

    const head = await fetch(`${base}/history`, { method: "HEAD" });
    expect(head.status).toBe(503);

    // The health check reaches the application, so it can report the state.
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
    expect(handled).toBe(before + 1);

    status.record({ kind: "restarted", restarts: 1 });
    expect((await fetch(`${base}/api/v1/transfers`)).status).toBe(200);
    expect(handled).toBe(before + 2);
  });

  it("keeps answering 503 when the database is down for good", async () => {
    status.record({ kind: "down", reason: "it stopped unexpectedly (signal SIGKILL) after 5 restarts within 5 minutes" });
    const response = await fetch(`${base}/api/v1/transfers/123`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("DATABASE_UNAVAILABLE");
  });
});
