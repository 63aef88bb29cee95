import crypto from "node:crypto";
import { eq, like } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { generate } from "otplib";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts, rateLimits, sessions } from "@/db/schema";
import { createApiToken } from "@/lib/api/tokens";
import { beginEnrolment, confirmEnrolment } from "@/lib/auth/two-factor";
import { revealSecret } from "@/lib/vault/secret-store";
import { authenticate } from "@/lib/auth/authenticate";
import { consumeAttempt, countAttempt, countRequest, limitKey, limitedUntil, ratePolicies, RateLimitedError } from "@/lib/rate-limits/policies";
import { requireRecentAuthentication } from "@/lib/auth/recent-auth";
import { diagnoseAccount } from "@/lib/diagnosis/service";
import { GET as listRoute } from "@/app/api/v1/transfers/route";
import { actorFor, createUser, partnerIn, TEST_PASSWORD } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv();
withTestDatabase();
const ipCounter = { next: 10 };
const freshIp = () => `203.0.113.${ipCounter.next++}`;

describe("sign-in limits", () => {
  it("locks one address after many failures across different emails, without touching other addresses", async () => {
    const ip = freshIp();
    const user = await createUser({ role: "partner" });
    for (let i = 0; i < ratePolicies.signInIp.max - 1; i++) {
      expect(await authenticate({ email: `guess-${i}@example.com`, password: "wrong password" }, { ip, userAgent: "vitest" })).toEqual({ ok: false, reason: "invalid" });
    }
    expect(await authenticate({ email: "last-guess@example.com", password: "wrong password" }, { ip, userAgent: "vitest" })).toMatchObject({ reason: "locked" });
    // The right password of a real account from that address is refused too, with the same answer as for anyone.
    expect(await authenticate({ email: user.email, password: TEST_PASSWORD }, { ip, userAgent: "vitest" })).toMatchObject({ reason: "locked" });
    expect(await authenticate({ email: "no-such-user@example.com", password: TEST_PASSWORD }, { ip, userAgent: "vitest" })).toMatchObject({ reason: "locked" });
    // The account itself is not locked: from another address it signs in.
    expect(await authenticate({ email: user.email, password: TEST_PASSWORD }, { ip: freshIp(), userAgent: "vitest" })).toMatchObject({ ok: true });
  });

  it("blocks one account across addresses (per account): from an unknown browser the right password alone no longer gets in", async () => {
    const user = await createUser({ role: "partner" });
    for (let i = 0; i < ratePolicies.signInAccount.max; i++) await authenticate({ email: user.email, password: "wrong password" }, { ip: freshIp(), userAgent: "vitest" });
    // The owner's ways past this block (a known browser, a code beside the password): test/attack/lockout-abuse.test.ts.
    expect(await authenticate({ email: user.email, password: TEST_PASSWORD }, { ip: freshIp(), userAgent: "vitest" })).toMatchObject({ reason: "device_required" });
  });

  it("holds in the database, so another portal instance (fresh module state) sees the same block", async () => {
    const ip = freshIp();
    for (let i = 0; i < ratePolicies.signInIp.max; i++) await countAttempt(["signInIp", ip]);
    const db = await getDb();
    const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, limitKey("signInIp", ip)));
    expect(row.count).toBe(ratePolicies.signInIp.max);
    expect(row.blockedUntil!.getTime()).toBeGreaterThan(Date.now());

    // A second "instance": every module loaded afresh (no in-memory state shared), same database.
    // The fresh modules find the same runtime, and its database, as Next's bundle finds server.ts's.
    vi.resetModules();
    const other = await import("@/lib/auth/authenticate");
    const user = await createUser({ role: "partner" });
    expect(await other.authenticate({ email: user.email, password: TEST_PASSWORD }, { ip, userAgent: "instance two" })).toMatchObject({ ok: false, reason: "locked" });
    vi.resetModules();
  });
});

describe("limits where every request counts", () => {
  it("registration: per email and per address, with a message that says when to try again", async () => {
    const ip = freshIp();
    for (let i = 0; i < ratePolicies.registrationAccount.max; i++) await consumeAttempt(["registrationAccount", "new@clinic.example"], ["registrationIp", ip]);
    const refused = await consumeAttempt(["registrationAccount", "NEW@clinic.example"], ["registrationIp", freshIp()]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as Error).message).toMatch(/try again in \d+ minutes? \(at \d\d:\d\d UTC\)/);
    // Unknown and known emails are counted alike: nothing in the answer depends on an account existing.
    expect((refused as Error).message).not.toMatch(/account|exist/i);
    for (let i = ratePolicies.registrationAccount.max; i < ratePolicies.registrationIp.max; i++) await consumeAttempt(["registrationAccount", `other-${i}@clinic.example`], ["registrationIp", ip]);
    await expect(consumeAttempt(["registrationAccount", "fresh@clinic.example"], ["registrationIp", ip])).rejects.toBeInstanceOf(RateLimitedError);
  });

  it("diagnosis: per partner account and per address", async () => {
    const partner = await partnerIn();
    const db = await getDb();
    const [destination] = await db.insert(destinations).values({ name: `Payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "127.0.0.1", port: 1, auth: "password" }).returning();
    const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: "clinic" }).returning();
    const actor = { ...partner.actor, ip: freshIp() };
    for (let i = 0; i < ratePolicies.diagnosisIp.max; i++) await countAttempt(["diagnosisIp", actor.ip]);
    await expect(diagnoseAccount(actor, account.id, { writeProbe: false })).rejects.toThrow(/Too many connection tests were started from your address\. Try again in/);
    expect(await limitedUntil(["diagnosisAccount", account.id])).toBeNull();
  });
});

describe("API token guessing", () => {
  it("blocks an address after too many wrong tokens, even for a valid token, and says when to retry", async () => {
    const partner = await partnerIn();
    const { token } = await createApiToken(partner.actor, { name: "job" });
    const ip = freshIp();
    const call = (bearer: string, from = ip) => listRoute(new Request("http://portal.test/api/v1/transfers", { headers: { authorization: `Bearer ${bearer}`, "x-portal-client-ip": from } }));
    for (let i = 0; i < ratePolicies.apiTokenFailureIp.max - 1; i++) expect((await call(`edi_${crypto.randomBytes(32).toString("base64url")}`)).status).toBe(401);
    const limited = await call(`edi_${crypto.randomBytes(32).toString("base64url")}`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(60);
    expect((await limited.json()).error.code).toBe("RATE_LIMITED");
    expect((await call(token)).status).toBe(429);
    expect((await call(token, freshIp())).status).toBe(200);
  });
});

describe("fresh authentication", () => {
  async function staleActor(role: "partner" | "admin" = "partner") {
    const user = role === "partner" ? (await partnerIn()).user : await createUser({ role });
    const actor = await actorFor(user.id);
    const db = await getDb();
    await db.update(sessions).set({ reauthenticatedAt: new Date(Date.now() - 10 * 60_000) }).where(eq(sessions.id, actor.sessionId));
    return { user, actor: { ...actor, reauthenticatedAt: new Date(Date.now() - 10 * 60_000), ip: freshIp() } };
  }

  it("accepts a current TOTP code instead of the password, once per code", async () => {
    const { user, actor } = await staleActor();
    await beginEnrolment(user.id);
    const pending = JSON.parse((await revealSecret({ kind: "user", id: user.id }, "totp_pending"))!) as { secret: string };
    // Enrolment uses the code of the previous period so the fresh-auth code below is a later one.
    const previous = await generate({ secret: pending.secret, epoch: Math.floor(Date.now() / 1000) - 30 });
    expect(await confirmEnrolment(user.id, previous, null)).toBe(true);
    const code = await generate({ secret: pending.secret });
    await expect(requireRecentAuthentication(actor, { totpCode: "000000" === code ? "111111" : "000000" })).rejects.toMatchObject({ field: "totpCode" });
    await requireRecentAuthentication(actor, { totpCode: code });
    const again = await actorFor(user.id);
    const stale = { ...again, reauthenticatedAt: new Date(0) };
    await expect(requireRecentAuthentication(stale, { totpCode: code })).rejects.toMatchObject({ field: "totpCode" });
  });

  it("refuses without proof, and a wrong password counts against the sign-in limit", async () => {
    const { actor } = await staleActor();
    await expect(requireRecentAuthentication(actor, {})).rejects.toMatchObject({ field: "currentPassword" });
    for (let i = 0; i < ratePolicies.signInAccountSource.max; i++) {
      await expect(requireRecentAuthentication(actor, { currentPassword: "not it at all" })).rejects.toMatchObject({ field: "currentPassword" });
    }
    await expect(requireRecentAuthentication(actor, { currentPassword: TEST_PASSWORD })).rejects.toBeInstanceOf(RateLimitedError);
    const db = await getDb();
    // Counted per account and address (which blocks), and per account from everywhere (which never blocks a session's own prompt).
    expect(await db.select().from(rateLimits).where(like(rateLimits.key, `signin:account-ip:${actor.email}|${actor.ip}`))).toHaveLength(1);
    expect(await db.select().from(rateLimits).where(like(rateLimits.key, `signin:account:${actor.email}`))).toHaveLength(1);
  });
});

describe("one registry and one store", () => {
  it("declares every throttle once, with a distinct key prefix, window, max and block", () => {
    const prefixes = Object.values(ratePolicies).map((p) => p.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    for (const [name, policy] of Object.entries(ratePolicies)) {
      expect(policy.max, name).toBeGreaterThan(0);
      expect(policy.windowMs, name).toBeGreaterThan(0);
      expect(policy.blockMs, name).toBeGreaterThan(0);
    }
    // The per-token request limits of the partner API and of monitoring tokens live here too.
    expect(ratePolicies.apiToken).toMatchObject({ prefix: "api:token", max: 120, windowMs: 60_000 });
    expect(ratePolicies.monitoringToken).toMatchObject({ prefix: "monitoring:token", max: 120, windowMs: 60_000 });
  });

  it("counts request-rate limits in the same table: the request after `max` is over, and the counter says until when", async () => {
    const subject = crypto.randomUUID();
    for (let i = 0; i < ratePolicies.monitoringToken.max; i++) expect((await countRequest(["monitoringToken", subject])).count).toBe(i + 1);
    const over = await countRequest(["monitoringToken", subject]);
    expect(over.count).toBeGreaterThan(ratePolicies.monitoringToken.max);
    expect(over.blockedUntil!.getTime()).toBeGreaterThan(Date.now());
    const db = await getDb();
    expect(await db.select().from(rateLimits).where(eq(rateLimits.key, limitKey("monitoringToken", subject)))).toHaveLength(1);
  });
});
