import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts, transferAttempts, transfers, users, type Transfer } from "@/db/schema";
import { createApiToken } from "@/lib/api/tokens";
import { createMonitoringToken, revokeMonitoringToken } from "@/lib/monitoring/tokens";
import { destinationOutages, operationsSnapshot, outagesForPartner } from "@/lib/monitoring/operations";
import { insertTransfer } from "@/db/repositories/transfers";
import { ForbiddenError } from "@/lib/errors";
import { startRelayRuntime, type RelayRuntime } from "@/lib/transfers/queue/runtime";
import { runtime } from "@/lib/runtime";
import { withTestDatabase } from "@/test/support/db";
import { actorFor, createUser, partnerIn, staff } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { databaseUrlOf, fastRelayConfig } from "@/test/support/queue";

// The request's session cookie, as Auth.js would decode it: which session row it names.
const cookie: { sessionId: string | null } = { sessionId: null };
vi.mock("@/lib/auth/auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/auth/auth")>()),
  auth: async () => (cookie.sessionId ? { sessionId: cookie.sessionId, user: {} } : null),
}));
vi.mock("next/headers", async () => ({ headers: async () => new Headers({ "x-portal-client-ip": "203.0.113.9" }) }));

useTemporaryPortalEnv({ DESTINATION_DOWN_AFTER_MINUTES: "10" });
const database = withTestDatabase();
let relay: RelayRuntime;

beforeAll(async () => {
  const handle = database.handle();
  // A producer only: jobs stay in the queue, so its depth and age can be checked.
  relay = await startRelayRuntime({ handle, databaseUrl: await databaseUrlOf(handle), config: fastRelayConfig({ concurrency: 0 }) });
});
afterAll(async () => {
  runtime().eventLoop.stop();
  await relay?.stop({ graceMs: 500 });
});

async function destination(name: string) {
  const db = await getDb();
  const [row] = await db.insert(destinations).values({ name: `${name} ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password" }).returning();
  return row;
}

async function account(organisationId: string, destinationId: string) {
  const db = await getDb();
  const [row] = await db.insert(partnerAccounts).values({ organisationId, destinationId, username: "clinic" }).returning();
  return row;
}

async function transfer(organisationId: string, accountId: string, destinationId: string, status: Transfer["status"] = "needs_attention") {
  const name = `CLM-${crypto.randomUUID().slice(0, 8)}.TXT`;
  return insertTransfer(await getDb(), { organisationId, partnerAccountId: accountId, destinationId, kind: "upload", mode: "test", originalName: name, remoteName: name, sizeBytes: 10, sha256: null, stagingKey: null, uploadedBy: null, uploaderIp: null, status });
}

let attemptNumber = 0;
/** A finished attempt `minutesAgo` minutes ago: delivered when code is null. */
async function attempt(transferId: string, minutesAgo: number, code: string | null, message?: string) {
  const db = await getDb();
  const finishedAt = new Date(Date.now() - minutesAgo * 60_000);
  await db.insert(transferAttempts).values({
    transferId,
    number: ++attemptNumber,
    startedAt: new Date(finishedAt.getTime() - 1000),
    finishedAt,
    errorCode: code,
    errorMessage: code ? (message ?? `${code} happened`) : null,
    transient: code ? true : null,
  });
}

describe("the operator's numbers", () => {
  it("reports per-destination success rates and the last error over 24 hours and 7 days", async () => {
    const { organisation } = await partnerIn();
    const payer = await destination("Acme Health");
    const acct = await account(organisation.id, payer.id);
    const t = await transfer(organisation.id, acct.id, payer.id);
    await attempt(t.id, 60, null); // 1 h ago: delivered
    await attempt(t.id, 120, "AUTH_PASSWORD_REJECTED", "The server rejected the password."); // 2 h ago
    await attempt(t.id, 3 * 24 * 60, null); // 3 days ago
    await attempt(t.id, 4 * 24 * 60, "TCP_TIMEOUT"); // 4 days ago
    await attempt(t.id, 5 * 24 * 60, "TCP_REFUSED"); // 5 days ago
    await attempt(t.id, 9 * 24 * 60, null); // outside both windows
    // An attempt our own restart cut short says nothing about the payer.
    await attempt(t.id, 30, "CONNECTION_LOST", "The relay stopped during this attempt (portal or worker restart); the next attempt resumes the upload.");

    const { actor: admin } = await staff("admin");
    const snapshot = await operationsSnapshot(admin, { downAfterMinutes: 10 });
    const stats = snapshot.destinations.find((d) => d.id === payer.id)!;
    expect(stats.last24h).toMatchObject({ attempts: 2, succeeded: 1, successRate: 0.5, lastError: { code: "AUTH_PASSWORD_REJECTED", message: "The server rejected the password." } });
    expect(stats.last7d).toMatchObject({ attempts: 5, succeeded: 2, successRate: 0.4, lastError: { code: "AUTH_PASSWORD_REJECTED" } });
    expect(stats.outage).toBeNull();

    const quiet = await destination("Quiet Payer");
    const quietStats = (await operationsSnapshot(admin, { downAfterMinutes: 10 })).destinations.find((d) => d.id === quiet.id)!;
    expect(quietStats.last24h).toEqual({ attempts: 0, succeeded: 0, successRate: null, lastError: null });
  });

  it("reports queue depth, relays in flight and the oldest waiting job", async () => {
    const { actor: admin } = await staff("admin");
    const before = await operationsSnapshot(admin, { downAfterMinutes: 10 });
    const beforeRelay = before.queues.find((q) => q.queue === "relay")!;

    const { organisation } = await partnerIn();
    const payer = await destination("Queue Payer");
    const acct = await account(organisation.id, payer.id);
    const waiting = [await transfer(organisation.id, acct.id, payer.id, "received"), await transfer(organisation.id, acct.id, payer.id, "received")];
    const sending = await transfer(organisation.id, acct.id, payer.id, "sending");
    const started = new Date();
    for (const row of waiting) await relay.enqueue(row.id);

    const after = await operationsSnapshot(admin, { downAfterMinutes: 10 });
    const relayQueue = after.queues.find((q) => q.queue === "relay")!;
    expect(relayQueue.waiting + relayQueue.retrying).toBe(beforeRelay.waiting + beforeRelay.retrying + 2);
    expect(relayQueue.oldestWaitingAt).not.toBeNull();
    expect(relayQueue.oldestWaitingAt!.getTime()).toBeLessThanOrEqual(Date.now());
    if (!beforeRelay.oldestWaitingAt) expect(relayQueue.oldestWaitingAt!.getTime()).toBeGreaterThanOrEqual(started.getTime() - 5000);
    expect(after.relaysInFlight).toBe(before.relaysInFlight + 1);
    expect(after.transfersWaiting).toBe(before.transfersWaiting + 2);
    const db = await getDb();
    await db.update(transfers).set({ status: "failed" }).where(eq(transfers.id, sending.id));
  });

  it("is for admins only", async () => {
    const { actor: partner } = await partnerIn();
    const { actor: support } = await staff("support");
    await expect(operationsSnapshot(partner, { downAfterMinutes: 10 })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(operationsSnapshot(support, { downAfterMinutes: 10 })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("a destination down for everyone", () => {
  it("is down only when every attempt since its last success failed to connect, for long enough and until recently", async () => {
    const a = await partnerIn();
    const b = await partnerIn();
    const scenario = async (label: string, attempts: Array<[minutesAgo: number, code: string | null, organisation?: "a" | "b"]>) => {
      const payer = await destination(label);
      const accounts = { a: await account(a.organisation.id, payer.id), b: await account(b.organisation.id, payer.id) };
      for (const [minutesAgo, code, who = "a"] of attempts) {
        const row = await transfer(who === "a" ? a.organisation.id : b.organisation.id, accounts[who].id, payer.id);
        await attempt(row.id, minutesAgo, code);
      }
      return payer.id;
    };
    const down = await scenario("Down", [[200, null], [60, "REMOTE_PERMISSION", "b"], [25, "TCP_REFUSED", "a"], [14, "CREDENTIALS_MISSING", "b"], [12, "TCP_TIMEOUT", "b"], [2, "DNS_FAILED", "a"]]);
    const recovered = await scenario("Recovered", [[25, "TCP_REFUSED"], [15, "TCP_REFUSED", "b"], [5, null]]);
    // The server answered b (a wrong password) 15 minutes ago: only one failure since.
    const answering = await scenario("Answering", [[25, "TCP_REFUSED"], [15, "AUTH_PASSWORD_REJECTED", "b"], [5, "TCP_REFUSED"]]);
    const tooShort = await scenario("Too short", [[6, "TCP_REFUSED"], [1, "TCP_REFUSED", "b"]]);
    const once = await scenario("Once", [[20, "TCP_REFUSED"]]);
    const stale = await scenario("Stale", [[180, "TCP_REFUSED"], [120, "TCP_REFUSED", "b"]]);
    const switchedOff = await scenario("Switched off", [[25, "TCP_REFUSED"], [15, "TCP_REFUSED", "b"]]);
    const db = await getDb();
    await db.update(destinations).set({ disabledAt: sql`now()` }).where(eq(destinations.id, switchedOff));

    const outages = await destinationOutages({ downAfterMinutes: 10, destinationIds: [down, recovered, answering, tooShort, once, stale, switchedOff] });
    expect(outages.map((o) => o.destinationId)).toEqual([down]);
    const [outage] = outages;
    expect(outage.failures).toBe(3);
    expect(outage.organisations).toBe(2);
    expect(outage.lastErrorCode).toBe("DNS_FAILED");
    expect(Math.round((Date.now() - outage.failingSince.getTime()) / 60_000)).toBe(25);

    // With a lower threshold the short outage counts too; stale evidence never does.
    const lenient = await destinationOutages({ downAfterMinutes: 0, destinationIds: [tooShort, stale] });
    expect(lenient.map((o) => o.destinationId)).toEqual([tooShort]);
  });

  it("is shown to the partners whose organisation uses that destination, and to nobody else", async () => {
    const affected = await partnerIn();
    const colleague = await actorFor((await createUser({ role: "partner", organisationId: affected.organisation.id, isOrgAdmin: false })).id);
    const elsewhere = await partnerIn();
    const payer = await destination("Unreachable Payer");
    const healthy = await destination("Healthy Payer");
    const acct = await account(affected.organisation.id, payer.id);
    await account(elsewhere.organisation.id, healthy.id);
    for (const minutesAgo of [30, 20, 3]) await attempt((await transfer(affected.organisation.id, acct.id, payer.id)).id, minutesAgo, "TCP_REFUSED");

    expect((await outagesForPartner(affected.actor, 10)).map((o) => o.destinationName)).toEqual([payer.name]);
    expect((await outagesForPartner(colleague, 10)).map((o) => o.destinationName)).toEqual([payer.name]);
    expect(await outagesForPartner(elsewhere.actor, 10)).toEqual([]);
    const { actor: admin } = await staff("admin");
    expect(await outagesForPartner(admin, 10)).toEqual([]);
    expect((await operationsSnapshot(admin, { downAfterMinutes: 10 })).outages.map((o) => o.destinationId)).toContain(payer.id);

    // A disabled account no longer ties the organisation to that payer.
    const db = await getDb();
    await db.update(partnerAccounts).set({ disabledAt: sql`now()` }).where(eq(partnerAccounts.id, acct.id));
    expect(await outagesForPartner(affected.actor, 10)).toEqual([]);
  });
});

describe("/api/health/details", () => {
  async function get(options: { sessionId?: string | null; bearer?: string } = {}) {
    cookie.sessionId = options.sessionId ?? null;
    const { GET } = await import("@/app/api/health/details/route");
    const response = await GET(new Request("http://portal.test/api/health/details", { headers: options.bearer ? { authorization: `Bearer ${options.bearer}` } : {} }));
    cookie.sessionId = null;
    return { status: response.status, body: await response.text() };
  }

  it("answers an admin session and a monitoring token, and refuses everyone else without details", async () => {
    const admin = await staff("admin");
    const partner = await partnerIn();
    const support = await staff("support");
    const { token: partnerToken } = await createApiToken(partner.actor, { name: "nightly job" });
    const { token: monitoringToken, summary } = await createMonitoringToken(admin.actor, { name: "Prometheus" });
    expect(monitoringToken).toMatch(/^edm_/);

    // Without a running monitor (a test process, not the portal) the figures say so, numberless.
    const unmeasured = JSON.parse((await get({ sessionId: admin.actor.sessionId })).body);
    expect(unmeasured.eventLoop).toMatchObject({ started: false });
    expect(unmeasured.eventLoop).not.toHaveProperty("sinceStart");
    // As startPortal does; a few sampling ticks before the figures are read.
    runtime().eventLoop.start();
    await new Promise((resolve) => setTimeout(resolve, 150));

    const refusals = [
      ["no credentials", await get(), 401],
      ["a partner's API token", await get({ bearer: partnerToken }), 401],
      ["a made-up token", await get({ bearer: `edm_${"x".repeat(43)}` }), 401],
      ["a partner session", await get({ sessionId: partner.actor.sessionId }), 403],
      ["a support session", await get({ sessionId: support.actor.sessionId }), 403],
    ] as const;
    for (const [who, response, status] of refusals) {
      expect(response.status, who).toBe(status);
      expect(response.body, who).not.toMatch(/queues|destinations|relaysInFlight|eventLoop/);
    }

    for (const response of [await get({ sessionId: admin.actor.sessionId }), await get({ bearer: monitoringToken })]) {
      expect(response.status).toBe(200);
      const json = JSON.parse(response.body);
      expect(json.queues.map((q: { queue: string }) => q.queue)).toContain("relay");
      expect(json).toHaveProperty("relaysInFlight");
      expect(json).toHaveProperty("destinations");
      expect(json).toHaveProperty("outages");
      expect(json.eventLoop).toMatchObject({ started: true, healthyBelowMs: 100, lastMinute: null });
      expect(json.database).toMatchObject({ engine: process.env.DATABASE_URL ? "postgres" : "pglite", state: "up", restarts: 0, lastError: null });
      for (const window of [json.eventLoop.current, json.eventLoop.sinceStart]) {
        expect(window.samples).toBeGreaterThan(0);
        for (const figure of ["p50Ms", "p99Ms", "maxMs", "lengthMs"]) expect(typeof window[figure], figure).toBe("number");
        expect(Date.parse(window.startedAt)).not.toBeNaN();
      }
    }

    // The monitoring token opens nothing else: the partner API refuses it.
    const { resolveApiToken } = await import("@/lib/api/tokens");
    expect(await resolveApiToken(monitoringToken, null)).toBeNull();

    // Revoked, or its admin demoted: refused at once.
    const { token: second } = await createMonitoringToken(admin.actor, { name: "Grafana" });
    await revokeMonitoringToken(admin.actor, summary.id);
    expect((await get({ bearer: monitoringToken })).status).toBe(401);
    expect((await get({ bearer: second })).status).toBe(200);
    const db = await getDb();
    await db.update(users).set({ role: "support" }).where(eq(users.id, admin.user.id));
    expect((await get({ bearer: second })).status).toBe(401);
    await expect(createMonitoringToken(partner.actor, { name: "sneaky" })).rejects.toBeInstanceOf(ForbiddenError);
  });
});
