import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, mailMessages, passwordResets, sessions } from "@/db/schema";
import { completePasswordReset, findOpenPasswordReset, forcePasswordReset, requestPasswordReset, RESET_LIMIT_PER_ACCOUNT, RESET_LIMIT_PER_IP } from "@/lib/auth/password-resets";
import { resolveSessionActor } from "@/lib/auth/sessions";
import { createApiToken, resolveApiToken } from "@/lib/api/tokens";
import { authenticate } from "@/lib/auth/authenticate";
import { forgotPassword } from "@/lib/auth/forgot-password";
import { verifyPassword } from "@/lib/auth/password";
import { ForbiddenError } from "@/lib/errors";
import { actorFor, createUser, partnerIn, reloadUser, staff, TEST_PASSWORD } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";

withTestDatabase();

const NEW_PASSWORD = "lighthouse keeper ledger 7731";
const meta = { ip: "198.51.100.7", userAgent: "vitest" };

function tokenFromMail(text: string): string {
  const match = /\/reset-password\/([A-Za-z0-9_-]+)/.exec(text);
  if (!match) throw new Error(`no reset link in: ${text}`);
  return match[1];
}

async function mailTo(email: string) {
  const db = await getDb();
  return db.select().from(mailMessages).where(eq(mailMessages.toAddress, email));
}

/** A different client IP per test, so the per-IP limit of one test never decides another. */
const freshIp = () => `203.0.113.${crypto.randomInt(1, 250)}`;

describe("self-service password reset", () => {
  it("answers known and unknown addresses identically, and emails a one-time link only to the known one", async () => {
    const { user } = await partnerIn();
    const ip = freshIp();
    const known = await forgotPassword(user.email, ip);
    const unknown = await forgotPassword(`nobody-${crypto.randomUUID()}@example.com`, ip);
    await known.mailSent;
    expect(unknown.answer).toEqual(known.answer);
    const messages = await mailTo(user.email);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ kind: "password_reset", sensitive: true, status: "captured" });
    const token = tokenFromMail(messages[0].textBody);
    // Only the hash is stored.
    const db = await getDb();
    const [row] = await db.select().from(passwordResets).where(eq(passwordResets.userId, user.id));
    expect(row.tokenHash).toBe(crypto.createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBeLessThanOrEqual(31 * 60_000);
  });

  it("sets the new password once: the link is spent, sessions end, and the change is audited", async () => {
    const { user } = await partnerIn();
    const actor = await actorFor(user.id);
    const outcome = await requestPasswordReset(user.email, freshIp());
    if (!outcome.issued) throw new Error("expected a reset link");
    const { token } = outcome.issued;
    expect(await findOpenPasswordReset(token)).toEqual({ email: user.email, reason: "self_service" });

    await expect(completePasswordReset(token, "short", "192.0.2.1")).rejects.toMatchObject({ field: "newPassword" });
    await completePasswordReset(token, NEW_PASSWORD, "192.0.2.1");

    const updated = await reloadUser(user.id);
    expect(await verifyPassword(updated.passwordHash, NEW_PASSWORD)).toBe(true);
    expect(await resolveSessionActor(actor.sessionId, null)).toBeNull();
    expect(await findOpenPasswordReset(token)).toBeNull();
    await expect(completePasswordReset(token, "another fine passphrase 55", null)).rejects.toThrow(/expired or was already used/);
    const db = await getDb();
    const audits = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "user.password_reset_completed"), eq(auditEvents.target, user.email)));
    expect(audits).toHaveLength(1);
  });

  it("refuses an expired link and an unknown one", async () => {
    const { user } = await partnerIn();
    const outcome = await requestPasswordReset(user.email, freshIp());
    if (!outcome.issued) throw new Error("expected a reset link");
    const db = await getDb();
    await db.update(passwordResets).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(passwordResets.userId, user.id));
    expect(await findOpenPasswordReset(outcome.issued.token)).toBeNull();
    await expect(completePasswordReset(outcome.issued.token, NEW_PASSWORD, null)).rejects.toThrow(/expired/);
    await expect(completePasswordReset(crypto.randomBytes(32).toString("base64url"), NEW_PASSWORD, null)).rejects.toThrow(/expired/);
    expect(await verifyPassword((await reloadUser(user.id)).passwordHash, TEST_PASSWORD)).toBe(true);
  });

  it("limits requests per account, whether or not the account exists, with the same answer", async () => {
    const { user } = await partnerIn();
    const unknownEmail = `ghost-${crypto.randomUUID()}@example.com`;
    const answers = [];
    for (let i = 0; i < RESET_LIMIT_PER_ACCOUNT.max + 2; i++) {
      const known = await forgotPassword(user.email, freshIp());
      await known.mailSent;
      answers.push(known.answer, (await forgotPassword(unknownEmail, freshIp())).answer);
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(await mailTo(user.email)).toHaveLength(RESET_LIMIT_PER_ACCOUNT.max);
    const db = await getDb();
    const denied = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "auth.password_reset_requested"), eq(auditEvents.result, "denied"), eq(auditEvents.actorEmail, user.email)));
    expect(denied).toHaveLength(2);
  });

  it("limits requests per client IP across addresses", async () => {
    const ip = freshIp().replace("203.0.113", "192.0.2");
    const users = await Promise.all(Array.from({ length: RESET_LIMIT_PER_IP.max + 1 }, () => createUser({ role: "support" })));
    const outcomes = [];
    for (const user of users) outcomes.push(await requestPasswordReset(user.email, ip));
    expect(outcomes.slice(0, RESET_LIMIT_PER_IP.max).every((o) => o.issued)).toBe(true);
    expect(outcomes[RESET_LIMIT_PER_IP.max]).toEqual({ issued: null, why: "rate_limited" });
  });

  it("sends nothing to a disabled account", async () => {
    const { user } = await partnerIn();
    const { actor: admin } = await staff("admin");
    const { setUserDisabled } = await import("@/lib/organisations/users");
    await setUserDisabled(admin, user.id, true);
    expect(await requestPasswordReset(user.email, freshIp())).toEqual({ issued: null, why: "disabled" });
  });
});

describe("admin-forced password reset", () => {
  it("ends the user's sessions, refuses sign-in until the new password is set, and is audited", async () => {
    const { user } = await partnerIn();
    const session = await actorFor(user.id);
    const { token: apiToken } = await createApiToken(session, { name: "nightly batch" });
    const { actor: admin } = await staff("admin");
    const link = await forcePasswordReset(admin, user.id);

    expect((await reloadUser(user.id)).mustChangePassword).toBe(true);
    expect(await resolveSessionActor(session.sessionId, null)).toBeNull();
    const db = await getDb();
    expect(await db.select().from(sessions).where(and(eq(sessions.userId, user.id)))).toSatisfy((rows: Array<{ revokedAt: Date | null }>) => rows.every((r) => r.revokedAt));
    const [reset] = await db.select().from(passwordResets).where(eq(passwordResets.userId, user.id));
    expect(reset).toMatchObject({ reason: "admin_forced", requestedBy: admin.userId });
    const [audit] = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "user.password_reset_forced"), eq(auditEvents.target, user.email)));
    expect(audit).toMatchObject({ actorUserId: admin.userId, result: "success" });

    // Their API token is revoked with the forced reset (test/attack/token-revocation.test.ts).
    expect(await resolveApiToken(apiToken, null)).toBeNull();
    // The old password, although right, no longer opens a session.
    expect(await authenticate({ email: user.email, password: TEST_PASSWORD }, meta)).toEqual({ ok: false, reason: "password_reset_required" });
    await completePasswordReset(link.token, NEW_PASSWORD, null);
    expect((await reloadUser(user.id)).mustChangePassword).toBe(false);
    expect(await authenticate({ email: user.email, password: NEW_PASSWORD }, meta)).toMatchObject({ ok: true });
    // Revoked, not paused: the new password does not bring it back.
    expect(await resolveApiToken(apiToken, null)).toBeNull();
  });

  it("is for admins only", async () => {
    const { user, actor: partner } = await partnerIn();
    const { user: colleague } = await partnerIn();
    const { actor: support } = await staff("support");
    await expect(forcePasswordReset(partner, colleague.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(forcePasswordReset(support, user.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await reloadUser(user.id)).mustChangePassword).toBe(false);
  });
});
