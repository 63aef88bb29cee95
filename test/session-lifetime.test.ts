import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, sessions } from "@/db/schema";
import { createApiToken, revokeApiToken } from "@/lib/api/tokens";
import { createSession, listOwnSessions, resolveSessionActor, revokeOtherSessions, revokeOwnSession, sessionHandle } from "@/lib/auth/sessions";
import { authCookies, cookieFlags, pendingSignInCookie } from "@/lib/auth/cookies";
import { requireRecentAuthentication } from "@/lib/auth/recent-auth";
import { resetEnvCache } from "@/lib/env";
import { actorFor, createUser, partnerIn, TEST_PASSWORD } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv();
withTestDatabase();
const meta = { ip: "127.0.0.1", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0" };

async function setSessionTimes(sessionId: string, times: { lastSeenMinutesAgo?: number; createdHoursAgo?: number; reauthMinutesAgo?: number }) {
  const db = await getDb();
  await db
    .update(sessions)
    .set({
      ...(times.lastSeenMinutesAgo !== undefined ? { lastSeenAt: sql`now() - make_interval(mins => ${times.lastSeenMinutesAgo})` } : {}),
      ...(times.createdHoursAgo !== undefined ? { createdAt: sql`now() - make_interval(hours => ${times.createdHoursAgo})` } : {}),
      ...(times.reauthMinutesAgo !== undefined ? { reauthenticatedAt: sql`now() - make_interval(mins => ${times.reauthMinutesAgo})` } : {}),
    })
    .where(eq(sessions.id, sessionId));
}

describe("idle and absolute expiry", () => {
  it("a session idle for more than 15 minutes ends (and is marked ended); 14 idle minutes are fine and reset the clock", async () => {
    const user = await createUser({ role: "support" });
    const active = await createSession(user.id, meta);
    await setSessionTimes(active, { lastSeenMinutesAgo: 14 });
    expect(await resolveSessionActor(active, null)).not.toBeNull();
    const db = await getDb();
    const [touched] = await db.select().from(sessions).where(eq(sessions.id, active));
    // Every request moves "last seen" to now, so the idle clock restarts exactly.
    expect(Date.now() - touched.lastSeenAt.getTime()).toBeLessThan(5_000);

    const idle = await createSession(user.id, meta);
    await setSessionTimes(idle, { lastSeenMinutesAgo: 16 });
    expect(await resolveSessionActor(idle, null)).toBeNull();
    const [ended] = await db.select().from(sessions).where(eq(sessions.id, idle));
    expect(ended.revokedAt).not.toBeNull();
    // Coming back within the window afterwards does not revive it.
    await setSessionTimes(idle, { lastSeenMinutesAgo: 0 });
    expect(await resolveSessionActor(idle, null)).toBeNull();
  });

  it("a session ends 12 hours after sign-in however active it is", async () => {
    const user = await createUser({ role: "admin" });
    const young = await createSession(user.id, meta);
    await setSessionTimes(young, { createdHoursAgo: 11, lastSeenMinutesAgo: 0 });
    expect(await resolveSessionActor(young, null)).not.toBeNull();
    const old = await createSession(user.id, meta);
    await setSessionTimes(old, { createdHoursAgo: 12, lastSeenMinutesAgo: 0 });
    expect(await resolveSessionActor(old, null)).toBeNull();
  });

  it("the limits come from SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS", async () => {
    const user = await createUser({ role: "admin" });
    const session = await createSession(user.id, meta);
    await setSessionTimes(session, { lastSeenMinutesAgo: 20 });
    Object.assign(process.env, { SESSION_IDLE_MINUTES: "30", SESSION_ABSOLUTE_HOURS: "1" });
    resetEnvCache();
    try {
      expect(await resolveSessionActor(session, null)).not.toBeNull();
      await setSessionTimes(session, { createdHoursAgo: 2 });
      expect(await resolveSessionActor(session, null)).toBeNull();
    } finally {
      delete process.env.SESSION_IDLE_MINUTES;
      delete process.env.SESSION_ABSOLUTE_HOURS;
      resetEnvCache();
    }
  });
});

describe("active sessions", () => {
  it("lists the user's live sessions without their ids, marks the current one, and signs out one or all others (audited)", async () => {
    const user = await createUser({ role: "support" });
    const current = await actorFor(user.id);
    const laptop = await createSession(user.id, meta);
    const phone = await createSession(user.id, { ip: "203.0.113.9", userAgent: "Mozilla/5.0 (iPhone) Safari/605.1" });
    const expired = await createSession(user.id, meta);
    await setSessionTimes(expired, { lastSeenMinutesAgo: 30 });
    const stranger = await actorFor((await createUser({ role: "support" })).id);

    const listed = await listOwnSessions(current);
    expect(listed).toHaveLength(3);
    expect(listed.filter((s) => s.current)).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(laptop);
    expect(JSON.stringify(listed)).not.toContain(current.sessionId);
    expect(listed.map((s) => s.ip)).toContain("203.0.113.9");

    // Someone else's session cannot be addressed.
    await expect(revokeOwnSession(stranger, sessionHandle(laptop))).rejects.toThrow(/not found/);
    expect(await resolveSessionActor(laptop, null)).not.toBeNull();

    expect(await revokeOwnSession(current, sessionHandle(laptop))).toEqual({ wasCurrent: false });
    expect(await resolveSessionActor(laptop, null)).toBeNull();
    expect(await revokeOtherSessions(current)).toBe(1);
    expect(await resolveSessionActor(phone, null)).toBeNull();
    expect(await resolveSessionActor(current.sessionId, null)).not.toBeNull();
    const db = await getDb();
    const events = await db.select().from(auditEvents).where(eq(auditEvents.actorUserId, user.id));
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["session.revoked", "session.revoked_others"]));
  });
});

describe("fresh authentication gates API tokens in the data layer", () => {
  it("creating or revoking a token needs a password or code from the last 5 minutes", async () => {
    const { actor } = await partnerIn();
    const { summary } = await createApiToken(actor, { name: "fresh" });
    await setSessionTimes(actor.sessionId, { reauthMinutesAgo: 6 });
    await expect(createApiToken(actor, { name: "stale" })).rejects.toMatchObject({ field: "currentPassword" });
    await expect(revokeApiToken(actor, summary.id)).rejects.toMatchObject({ field: "currentPassword" });
    const stale = { ...actor, reauthenticatedAt: new Date(Date.now() - 6 * 60_000) };
    await requireRecentAuthentication(stale, { currentPassword: TEST_PASSWORD });
    await createApiToken(actor, { name: "after the prompt" });
    await revokeApiToken(actor, summary.id);
  });
});

describe("cookie flags", () => {
  it("HttpOnly and SameSite=Lax always; Secure (with __Secure-/__Host- names) exactly when the portal is served over https", () => {
    expect(cookieFlags("http://localhost:3000")).toEqual({ httpOnly: true, sameSite: "lax", path: "/", secure: false });
    expect(cookieFlags("https://portal.example.org")).toEqual({ httpOnly: true, sameSite: "lax", path: "/", secure: true });
    const https = authCookies("https://portal.example.org");
    expect(https.sessionToken).toEqual({ name: "__Secure-authjs.session-token", options: { httpOnly: true, sameSite: "lax", path: "/", secure: true } });
    expect(https.csrfToken.name).toBe("__Host-authjs.csrf-token");
    expect(authCookies("http://localhost:3410").sessionToken.name).toBe("authjs.session-token");
    expect(pendingSignInCookie("https://portal.example.org")).toEqual({ name: "__Host-portal.pending-sign-in", options: { httpOnly: true, sameSite: "lax", path: "/", secure: true } });
  });
});
