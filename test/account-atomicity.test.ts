import crypto from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { apiTokens, invitations, organisations, passwordResets, pendingSignIns, rateLimits, recoveryCodes, secrets, sessions, users } from "@/db/schema";
import { createApiToken, resolveApiToken, revokeApiToken } from "@/lib/api/tokens";
import { createMonitoringToken, resolveMonitoringToken, revokeMonitoringToken } from "@/lib/monitoring/tokens";
import { authenticate } from "@/lib/auth/authenticate";
import { completeSecondStep } from "@/lib/auth/second-factor";
import { completePasswordReset, findOpenPasswordReset, forcePasswordReset, requestPasswordReset } from "@/lib/auth/password-resets";
import { requireRecentAuthentication } from "@/lib/auth/recent-auth";
import { createSession, resolveSessionActor, revokeOtherSessions } from "@/lib/auth/sessions";
import { confirmOwnEnrolment, disableOwnTwoFactor, enrolmentView, regenerateOwnRecoveryCodes, resetTwoFactor, setOrganisationRequiresTwoFactor, startOwnEnrolment } from "@/lib/auth/two-factor";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { systemActor } from "@/lib/auth/actor";
import { acceptInvitation, createInvitation, findOpenInvitation } from "@/lib/organisations/invitations";
import { createRegistration, decideRegistration } from "@/lib/organisations/service";
import { changeOwnPassword, changeUserRole, setUserDisabled } from "@/lib/organisations/users";
import { DEMO_ORGANISATION, DEMO_PARTNER_EMAIL, DEMO_SUPPORT_EMAIL, ensureDemoUsers } from "@/lib/organisations/bootstrap";
import { limitKey } from "@/lib/rate-limits/policies";
import { revealSecret } from "@/lib/vault/secret-store";
import type { Env } from "@/lib/env";
import { actorFor, createOrganisation, createUser, partnerIn, reloadUser, staff, TEST_PASSWORD } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { expectInjectedFailure, failsAtAudit, withFailingInsert } from "@/test/support/injected-failure";

/*
 * Every multi-row use case of accounts and access commits all its rows or none. Each test makes the
 * use case's last write fail (a trigger refuses its audit row, or the row it writes last) and checks
 * that nothing the use case wrote before it persisted.
 */

useTemporaryPortalEnv();
withTestDatabase();

let ipSeq = 1;
const freshIp = () => `203.0.113.${ipSeq++}`;
const stepNow = () => Math.floor(Date.now() / 30_000);
const codeAt = (secret: string, step: number) => generate({ secret, epoch: step * 30 });

async function countRows(table: typeof sessions | typeof apiTokens | typeof passwordResets | typeof invitations | typeof recoveryCodes, where: ReturnType<typeof eq>) {
  const db = await getDb();
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(table).where(where);
  return n;
}

async function secretPurposes(userId: string): Promise<string[]> {
  const db = await getDb();
  const rows = await db.select({ purpose: secrets.purpose }).from(secrets).where(eq(secrets.ownerId, userId));
  return rows.map((r) => r.purpose).sort();
}

async function pendingSecret(userId: string): Promise<string> {
  return (JSON.parse((await revealSecret({ kind: "user", id: userId }, "totp_pending"))!) as { secret: string }).secret;
}

/** A partner with two-factor on, enrolled at the previous time step (so the current code is unused). */
async function partnerWithTwoFactor() {
  const partner = await partnerIn();
  await startOwnEnrolment(partner.actor);
  const secret = await pendingSecret(partner.user.id);
  await confirmOwnEnrolment(partner.actor, await codeAt(secret, stepNow() - 1));
  return { ...partner, secret };
}

describe("two-factor use cases are atomic", () => {
  it("confirming TOTP enrolment: secret, recovery codes, user state and pending removal commit with the audit row", async () => {
    const { user, actor } = await partnerIn();
    await startOwnEnrolment(actor);
    const secret = await pendingSecret(user.id);
    const code = await codeAt(secret, stepNow());
    await failsAtAudit("user.two_factor_enabled", () => confirmOwnEnrolment(actor, code));
    expect((await reloadUser(user.id)).totpEnabledAt).toBeNull();
    expect((await reloadUser(user.id)).totpLastStep).toBeNull();
    expect(await countRows(recoveryCodes, eq(recoveryCodes.userId, user.id))).toBe(0);
    expect(await secretPurposes(user.id)).toEqual(["totp_pending"]);
    expect(await enrolmentView(actor)).not.toBeNull();
    // Nothing was half-done: the same code confirms it once the audit log accepts rows again.
    await confirmOwnEnrolment(actor, code);
    expect(await secretPurposes(user.id)).toEqual(["totp_secret"]);
    expect(await countRows(recoveryCodes, eq(recoveryCodes.userId, user.id))).toBe(10);
  });

  it("an admin's two-factor reset: secret, codes, sessions and audit row together", async () => {
    const partner = await partnerWithTwoFactor();
    const { actor: admin } = await staff("admin");
    await failsAtAudit("user.two_factor_reset", () => resetTwoFactor(admin, partner.user.id));
    expect((await reloadUser(partner.user.id)).totpEnabledAt).not.toBeNull();
    expect(await secretPurposes(partner.user.id)).toEqual(["totp_secret"]);
    expect(await countRows(recoveryCodes, eq(recoveryCodes.userId, partner.user.id))).toBe(10);
    expect(await resolveSessionActor(partner.actor.sessionId, null)).not.toBeNull();
  });

  it("turning one's own two-factor off, and regenerating recovery codes", async () => {
    const partner = await partnerWithTwoFactor();
    const db = await getDb();
    const before = (await db.select({ hash: recoveryCodes.codeHash }).from(recoveryCodes).where(eq(recoveryCodes.userId, partner.user.id))).map((r) => r.hash).sort();
    await failsAtAudit("user.recovery_codes_regenerated", () => regenerateOwnRecoveryCodes(partner.actor));
    const after = (await db.select({ hash: recoveryCodes.codeHash }).from(recoveryCodes).where(eq(recoveryCodes.userId, partner.user.id))).map((r) => r.hash).sort();
    expect(after).toEqual(before);
    await failsAtAudit("user.two_factor_disabled", () => disableOwnTwoFactor(partner.actor));
    expect((await reloadUser(partner.user.id)).totpEnabledAt).not.toBeNull();
    expect(await secretPurposes(partner.user.id)).toEqual(["totp_secret"]);
    expect(await countRows(recoveryCodes, eq(recoveryCodes.userId, partner.user.id))).toBe(10);
  });

  it("an organisation's two-factor rule changes with its audit row", async () => {
    const { organisation, actor } = await partnerIn();
    await failsAtAudit("organisation.two_factor_requirement", () => setOrganisationRequiresTwoFactor(actor, organisation.id, true));
    const db = await getDb();
    const [row] = await db.select().from(organisations).where(eq(organisations.id, organisation.id));
    expect(row.requireTwoFactor).toBe(false);
  });
});

describe("sign-in use cases are atomic", () => {
  it("a right password: no session without its audit row; a wrong one: no count without its audit row", async () => {
    const user = await createUser({ role: "partner", organisationId: (await createOrganisation()).id });
    const ip = freshIp();
    const before = await countRows(sessions, eq(sessions.userId, user.id));
    await failsAtAudit("auth.sign_in", () => authenticate({ email: user.email, password: TEST_PASSWORD }, { ip, userAgent: "vitest" }));
    expect(await countRows(sessions, eq(sessions.userId, user.id))).toBe(before);
    await failsAtAudit("auth.sign_in", () => authenticate({ email: user.email, password: "not the password at all" }, { ip, userAgent: "vitest" }));
    const db = await getDb();
    expect(await db.select().from(rateLimits).where(eq(rateLimits.key, limitKey("signInAccount", user.email)))).toHaveLength(0);
    expect(await db.select().from(rateLimits).where(eq(rateLimits.key, limitKey("signInIp", ip)))).toHaveLength(0);
  });

  it("the password step of a two-factor user: no pending sign-in without its audit row", async () => {
    const { user } = await partnerWithTwoFactor();
    await failsAtAudit("auth.password_step", () => authenticate({ email: user.email, password: TEST_PASSWORD }, { ip: freshIp(), userAgent: "vitest" }));
    const db = await getDb();
    expect(await db.select().from(pendingSignIns).where(eq(pendingSignIns.userId, user.id))).toHaveLength(0);
  });

  it("the second step: the code claim, the completed pending sign-in and the session commit with the audit row", async () => {
    const { user, secret } = await partnerWithTwoFactor();
    const outcome = await authenticate({ email: user.email, password: TEST_PASSWORD }, { ip: freshIp(), userAgent: "vitest" });
    if (outcome.ok || outcome.reason !== "second_factor") throw new Error("expected a pending sign-in");
    const code = await codeAt(secret, stepNow());
    const sessionsBefore = await countRows(sessions, eq(sessions.userId, user.id));
    const stepBefore = (await reloadUser(user.id)).totpLastStep;
    await failsAtAudit("auth.sign_in", () => completeSecondStep({ pendingToken: outcome.pendingToken, code }, { ip: freshIp(), userAgent: "vitest" }));
    expect(await countRows(sessions, eq(sessions.userId, user.id))).toBe(sessionsBefore);
    expect((await reloadUser(user.id)).totpLastStep).toBe(stepBefore);
    // The pending sign-in is still open and the code unused: the same request succeeds afterwards.
    expect(await completeSecondStep({ pendingToken: outcome.pendingToken, code }, { ip: freshIp(), userAgent: "vitest" })).toMatchObject({ ok: true });
  });

  it("a wrong second-step code: the wrong-code count and the limit count commit with the audit row", async () => {
    const { user } = await partnerWithTwoFactor();
    const outcome = await authenticate({ email: user.email, password: TEST_PASSWORD }, { ip: freshIp(), userAgent: "vitest" });
    if (outcome.ok || outcome.reason !== "second_factor") throw new Error("expected a pending sign-in");
    await failsAtAudit("auth.two_factor", () => completeSecondStep({ pendingToken: outcome.pendingToken, code: "000000" }, { ip: freshIp(), userAgent: "vitest" }));
    const db = await getDb();
    const [pending] = await db.select().from(pendingSignIns).where(eq(pendingSignIns.userId, user.id));
    expect(pending.failedAttempts).toBe(0);
    expect(await db.select().from(rateLimits).where(eq(rateLimits.key, limitKey("twoFactorAccount", user.id)))).toHaveLength(0);
  });

  it("fresh authentication: the session is marked fresh only with its audit row", async () => {
    const { user } = await partnerIn();
    const actor = await actorFor(user.id);
    const db = await getDb();
    const old = new Date(Date.now() - 10 * 60_000);
    await db.update(sessions).set({ reauthenticatedAt: old }).where(eq(sessions.id, actor.sessionId));
    await failsAtAudit("auth.reauthenticate", () => requireRecentAuthentication({ ...actor, reauthenticatedAt: old }, { currentPassword: TEST_PASSWORD }));
    const [row] = await db.select().from(sessions).where(eq(sessions.id, actor.sessionId));
    expect(row.reauthenticatedAt.getTime()).toBe(old.getTime());
  });

  it("signing out other sessions", async () => {
    const { user, actor } = await partnerIn();
    const other = await createSession(user.id, { ip: freshIp(), userAgent: "vitest" });
    await failsAtAudit("session.revoked_others", () => revokeOtherSessions(actor));
    expect(await resolveSessionActor(other, null)).not.toBeNull();
  });
});

describe("password use cases are atomic", () => {
  it("completing a reset: password, spent links, ended sessions, revoked API tokens and lifted lock commit with the audit row", async () => {
    const { user, actor } = await partnerIn();
    const { token: apiToken } = await createApiToken(actor, { name: "nightly batch" });
    const { issued } = await requestPasswordReset(user.email, freshIp());
    if (!issued) throw new Error("expected a reset link");
    const db = await getDb();
    await db.insert(rateLimits).values({ key: limitKey("signInAccount", user.email), count: 5, blockedUntil: new Date(Date.now() + 60_000) });
    await failsAtAudit("user.password_reset_completed", () => completePasswordReset(issued.token, "a brand new passphrase 77", freshIp()));
    expect(await verifyPassword((await reloadUser(user.id)).passwordHash, TEST_PASSWORD)).toBe(true);
    expect(await findOpenPasswordReset(issued.token)).not.toBeNull();
    expect(await resolveSessionActor(actor.sessionId, null)).not.toBeNull();
    expect(await db.select().from(rateLimits).where(eq(rateLimits.key, limitKey("signInAccount", user.email)))).toHaveLength(1);
    expect(await resolveApiToken(apiToken, null)).not.toBeNull();
    // The link still works afterwards.
    await completePasswordReset(issued.token, "a brand new passphrase 77", freshIp());
    expect(await verifyPassword((await reloadUser(user.id)).passwordHash, "a brand new passphrase 77")).toBe(true);
    expect(await resolveApiToken(apiToken, null)).toBeNull();
  });

  it("requesting a reset: the link and the limit counts commit with the audit row", async () => {
    const user = await createUser({ role: "partner", organisationId: (await createOrganisation()).id });
    const ip = freshIp();
    await failsAtAudit("auth.password_reset_requested", () => requestPasswordReset(user.email, ip));
    expect(await countRows(passwordResets, eq(passwordResets.userId, user.id))).toBe(0);
    const db = await getDb();
    expect(await db.select().from(rateLimits).where(eq(rateLimits.key, limitKey("passwordResetIp", ip)))).toHaveLength(0);
  });

  it("an admin's forced reset: flag, link, ended sessions and revoked API tokens commit with the audit row", async () => {
    const partner = await partnerIn();
    const { token: apiToken } = await createApiToken(partner.actor, { name: "nightly batch" });
    const { actor: admin } = await staff("admin");
    await failsAtAudit("user.password_reset_forced", () => forcePasswordReset(admin, partner.user.id));
    expect((await reloadUser(partner.user.id)).mustChangePassword).toBe(false);
    expect(await countRows(passwordResets, eq(passwordResets.userId, partner.user.id))).toBe(0);
    expect(await resolveSessionActor(partner.actor.sessionId, null)).not.toBeNull();
    expect(await resolveApiToken(apiToken, null)).not.toBeNull();
  });

  it("changing one's own password: the hash, the ended sessions and the revoked API tokens commit with the audit row", async () => {
    const { user, actor } = await partnerIn();
    const { token: apiToken } = await createApiToken(actor, { name: "nightly batch" });
    await failsAtAudit("user.password_changed", async () => changeOwnPassword(actor, await hashPassword("another long passphrase 12")));
    expect(await verifyPassword((await reloadUser(user.id)).passwordHash, TEST_PASSWORD)).toBe(true);
    expect(await resolveSessionActor(actor.sessionId, null)).not.toBeNull();
    expect(await resolveApiToken(apiToken, null)).not.toBeNull();
    // Its own audit row failing undoes the revocation too.
    await failsAtAudit("api_token.revoked", async () => changeOwnPassword(actor, await hashPassword("another long passphrase 12")));
    expect(await resolveApiToken(apiToken, null)).not.toBeNull();
    expect(await verifyPassword((await reloadUser(user.id)).passwordHash, TEST_PASSWORD)).toBe(true);
  });
});

describe("user and organisation administration is atomic", () => {
  it("a role change and its ended sessions commit with the audit row", async () => {
    const partner = await partnerIn("approved", { isOrgAdmin: false });
    const { actor: admin } = await staff("admin");
    await failsAtAudit("user.role_changed", () => changeUserRole(admin, partner.user.id, { role: "partner", isOrgAdmin: true }));
    expect((await reloadUser(partner.user.id)).isOrgAdmin).toBe(false);
    expect(await resolveSessionActor(partner.actor.sessionId, null)).not.toBeNull();
  });

  it("disabling a user and ending their sessions commit with the audit row", async () => {
    const partner = await partnerIn();
    const { actor: admin } = await staff("admin");
    await failsAtAudit("user.disabled", () => setUserDisabled(admin, partner.user.id, true));
    expect((await reloadUser(partner.user.id)).disabledAt).toBeNull();
    expect(await resolveSessionActor(partner.actor.sessionId, null)).not.toBeNull();
  });

  it("registration: the organisation and its first user commit with the audit row", async () => {
    const email = `new-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const name = `Atomic Clinic ${crypto.randomUUID().slice(0, 6)}`;
    await failsAtAudit("registration.submitted", async () =>
      createRegistration({ organisationName: name, submitterId: "ATOMIC1", contactName: "Ada Atomic", email, phone: "+1 555 0101", passwordHash: await hashPassword(TEST_PASSWORD) }, freshIp()),
    );
    const db = await getDb();
    expect(await db.select().from(organisations).where(eq(organisations.name, name))).toHaveLength(0);
    expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
  });

  it("approving or rejecting a registration commits with its audit row", async () => {
    const organisation = await createOrganisation("pending");
    const { actor: admin } = await staff("admin");
    await failsAtAudit("registration.approved", () => decideRegistration(admin, organisation.id, { approve: true }));
    await failsAtAudit("registration.rejected", () => decideRegistration(admin, organisation.id, { approve: false, reason: "Unknown submitter ID." }));
    const db = await getDb();
    const [row] = await db.select().from(organisations).where(eq(organisations.id, organisation.id));
    expect(row).toMatchObject({ status: "pending", decidedAt: null, decidedBy: null, decisionReason: null });
  });

  it("an invitation is created with its audit row, and accepting it creates the user with its audit row", async () => {
    const { organisation, actor } = await partnerIn();
    const email = `colleague-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await failsAtAudit("invitation.created", () => createInvitation(actor, { email, role: "partner", organisationId: organisation.id }));
    expect(await countRows(invitations, eq(invitations.email, email))).toBe(0);

    const invited = await createInvitation(actor, { email, role: "partner", organisationId: organisation.id });
    if (invited.delivery !== "invitation") throw new Error("a new address gets a working invitation");
    const { token } = invited;
    const passwordHash = await hashPassword(TEST_PASSWORD);
    await failsAtAudit("invitation.accepted", () => acceptInvitation(token, { name: "Cole League", passwordHash }, freshIp()));
    expect(await findOpenInvitation(token)).not.toBeNull();
    const db = await getDb();
    expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
    expect(await acceptInvitation(token, { name: "Cole League", passwordHash }, freshIp())).toEqual({ email });
  });

  it("start-up seeding of the demo users: the organisation and both users, or nothing", async () => {
    const config = { DEMO_USER_PASSWORD: "demo users share this passphrase 1" } as Env;
    await withFailingInsert("users", `NEW.email = '${DEMO_SUPPORT_EMAIL}'`, async () => {
      await expectInjectedFailure(() => ensureDemoUsers(systemActor("bootstrap"), config));
    });
    const db = await getDb();
    expect(await db.select().from(organisations).where(eq(organisations.submitterId, DEMO_ORGANISATION.submitterId))).toHaveLength(0);
    expect(await db.select().from(users).where(eq(users.email, DEMO_PARTNER_EMAIL))).toHaveLength(0);
    await ensureDemoUsers(systemActor("bootstrap"), config);
    expect(await db.select().from(users).where(eq(users.email, DEMO_SUPPORT_EMAIL))).toHaveLength(1);
  });
});

describe("token use cases are atomic", () => {
  it("an API token is created and revoked only with its audit row", async () => {
    const { user, actor } = await partnerIn();
    await failsAtAudit("api_token.created", () => createApiToken(actor, { name: "billing export" }));
    expect(await countRows(apiTokens, eq(apiTokens.userId, user.id))).toBe(0);
    const { token, summary } = await createApiToken(actor, { name: "billing export" });
    await failsAtAudit("api_token.revoked", () => revokeApiToken(actor, summary.id));
    expect(await resolveApiToken(token, null)).not.toBeNull();
  });

  it("a monitoring token is created and revoked only with its audit row", async () => {
    const { user, actor } = await staff("admin");
    await failsAtAudit("monitoring_token.created", () => createMonitoringToken(actor, { name: "Prometheus" }));
    expect(await countRows(apiTokens, and(eq(apiTokens.userId, user.id), eq(apiTokens.scope, "monitoring"))!)).toBe(0);
    const { token, summary } = await createMonitoringToken(actor, { name: "Prometheus" });
    await failsAtAudit("monitoring_token.revoked", () => revokeMonitoringToken(actor, summary.id));
    expect(await resolveMonitoringToken(token)).not.toBeNull();
  });
});
