import { and, eq } from "drizzle-orm";
import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, organisations, pendingSignIns, recoveryCodes, secrets, sessions } from "@/db/schema";
import { resolveSessionActor } from "@/lib/auth/sessions";
import { revealSecret } from "@/lib/vault/secret-store";
import { disableOwnTwoFactor, regenerateOwnRecoveryCodes, resetTwoFactor, setOrganisationRequiresTwoFactor, startOwnEnrolment, confirmOwnEnrolment, enrolmentView } from "@/lib/auth/two-factor";
import { authenticate } from "@/lib/auth/authenticate";
import { ratePolicies } from "@/lib/rate-limits/policies";
import { completeSecondStep } from "@/lib/auth/second-factor";
import { actorFor, createUser, partnerIn, reloadUser, staff, TEST_PASSWORD } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv();
withTestDatabase();
let ipSeq = 1;
const meta = () => ({ ip: `198.51.100.${ipSeq++}`, userAgent: "vitest" });
const stepNow = () => Math.floor(Date.now() / 30_000);
const codeAt = (secret: string, step: number) => generate({ secret, epoch: step * 30 });

async function pendingSecret(userId: string): Promise<string> {
  return (JSON.parse((await revealSecret({ kind: "user", id: userId }, "totp_pending"))!) as { secret: string }).secret;
}

async function sessionCount(userId: string): Promise<number> {
  const db = await getDb();
  return (await db.select().from(sessions).where(eq(sessions.userId, userId))).length;
}

/** A partner with two-factor on (enrolled at the previous time step, so the current one is free). */
async function partnerWithTwoFactor() {
  const partner = await partnerIn();
  await startOwnEnrolment(partner.actor);
  const view = await enrolmentView(partner.actor);
  const secret = await pendingSecret(partner.user.id);
  await confirmOwnEnrolment(partner.actor, await codeAt(secret, stepNow() - 1));
  return { ...partner, secret, recoveryCodes: view!.recoveryCodes };
}

async function passwordStep(email: string, m = meta()) {
  const outcome = await authenticate({ email, password: TEST_PASSWORD }, m);
  if (outcome.ok || outcome.reason !== "second_factor") throw new Error(`expected a pending sign-in, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe("enrolment", () => {
  it("shows a QR code, the manual key and 10 recovery codes until the first code confirms; the secret is sealed and codes are stored hashed", async () => {
    const { user, actor } = await partnerIn();
    await startOwnEnrolment(actor);
    const view = (await enrolmentView(actor))!;
    expect(view.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const secret = await pendingSecret(user.id);
    expect(view.manualKey.replace(/ /g, "")).toBe(secret);
    expect(view.recoveryCodes).toHaveLength(10);
    await expect(confirmOwnEnrolment(actor, "000000" === (await codeAt(secret, stepNow())) ? "111111" : "000000")).rejects.toMatchObject({ field: "code" });
    await confirmOwnEnrolment(actor, await codeAt(secret, stepNow()));

    expect((await reloadUser(user.id)).totpEnabledAt).not.toBeNull();
    expect(await enrolmentView(actor)).toBeNull(); // never shown again
    const db = await getDb();
    const stored = await db.select().from(secrets).where(eq(secrets.ownerId, user.id));
    expect(stored.map((s) => s.purpose)).toEqual(["totp_secret"]);
    expect(stored[0].sealed).not.toContain(secret);
    const hashes = await db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
    expect(hashes).toHaveLength(10);
    for (const code of view.recoveryCodes) expect(hashes.map((h) => h.codeHash)).not.toContain(code);
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, user.id), eq(auditEvents.action, "user.two_factor_enabled")));
    expect(event.result).toBe("success");
  });
});

describe("two-step sign-in", () => {
  it("the password step alone creates no session, only a pending sign-in; a TOTP code completes it", async () => {
    const { user, secret } = await partnerWithTwoFactor();
    const before = await sessionCount(user.id);
    const pending = await passwordStep(user.email);
    expect(pending.step).toBe("verify");
    expect(await sessionCount(user.id)).toBe(before);
    const db = await getDb();
    const [row] = await db.select().from(pendingSignIns).where(eq(pendingSignIns.userId, user.id));
    expect(row.tokenHash).not.toBe(pending.pendingToken);
    expect(row.expiresAt.getTime() - Date.now()).toBeGreaterThan(9 * 60_000);

    const done = await completeSecondStep({ pendingToken: pending.pendingToken, code: await codeAt(secret, stepNow()) }, meta());
    expect(done).toMatchObject({ ok: true, userId: user.id });
    expect(await resolveSessionActor((done as { sessionId: string }).sessionId, null)).not.toBeNull();
    // The pending sign-in is used up.
    expect(await completeSecondStep({ pendingToken: pending.pendingToken, code: await codeAt(secret, stepNow() + 1) }, meta())).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses a reused TOTP code, and a code at or below the last accepted step", async () => {
    const { user, secret } = await partnerWithTwoFactor();
    const code = await codeAt(secret, stepNow());
    expect(await completeSecondStep({ pendingToken: (await passwordStep(user.email)).pendingToken, code }, meta())).toMatchObject({ ok: true });
    const again = await passwordStep(user.email);
    expect(await completeSecondStep({ pendingToken: again.pendingToken, code }, meta())).toEqual({ ok: false, reason: "invalid", attemptsLeft: 4 });
    expect(await completeSecondStep({ pendingToken: again.pendingToken, code: await codeAt(secret, stepNow() - 1) }, meta())).toEqual({ ok: false, reason: "invalid", attemptsLeft: 3 });
    expect(await completeSecondStep({ pendingToken: again.pendingToken, code: await codeAt(secret, stepNow() + 1) }, meta())).toMatchObject({ ok: true });
  });

  it("a recovery code works exactly once", async () => {
    const { user, recoveryCodes: codes } = await partnerWithTwoFactor();
    expect(await completeSecondStep({ pendingToken: (await passwordStep(user.email)).pendingToken, code: codes[3].toUpperCase() }, meta())).toMatchObject({ ok: true });
    expect(await completeSecondStep({ pendingToken: (await passwordStep(user.email)).pendingToken, code: codes[3] }, meta())).toMatchObject({ ok: false, reason: "invalid" });
    expect(await completeSecondStep({ pendingToken: (await passwordStep(user.email)).pendingToken, code: codes[4].replace("-", "") }, meta())).toMatchObject({ ok: true });
  });

  it("five wrong codes burn the pending sign-in (audited); the right code no longer works there", async () => {
    const { user, secret } = await partnerWithTwoFactor();
    const pending = await passwordStep(user.email);
    for (let left = 4; left >= 1; left--) {
      expect(await completeSecondStep({ pendingToken: pending.pendingToken, code: "999999" === (await codeAt(secret, stepNow())) ? "888888" : "999999" }, meta())).toEqual({ ok: false, reason: "invalid", attemptsLeft: left });
    }
    expect(await completeSecondStep({ pendingToken: pending.pendingToken, code: "12345" }, meta())).toEqual({ ok: false, reason: "burned" });
    expect(await completeSecondStep({ pendingToken: pending.pendingToken, code: await codeAt(secret, stepNow()) }, meta())).toEqual({ ok: false, reason: "expired" });
    const db = await getDb();
    const burned = await db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, user.id), eq(auditEvents.action, "auth.pending_sign_in_burned")));
    expect(burned).toHaveLength(1);
    // Starting over works.
    expect(await completeSecondStep({ pendingToken: (await passwordStep(user.email)).pendingToken, code: await codeAt(secret, stepNow()) }, meta())).toMatchObject({ ok: true });
  });

  it("an expired pending sign-in is refused", async () => {
    const { user, secret } = await partnerWithTwoFactor();
    const pending = await passwordStep(user.email);
    const db = await getDb();
    await db.update(pendingSignIns).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(pendingSignIns.userId, user.id));
    expect(await completeSecondStep({ pendingToken: pending.pendingToken, code: await codeAt(secret, stepNow()) }, meta())).toEqual({ ok: false, reason: "expired" });
  });

  it("wrong codes are limited per account across pending sign-ins and per address", async () => {
    const { user, secret } = await partnerWithTwoFactor();
    const wrong = async () => ("999999" === (await codeAt(secret, stepNow())) ? "888888" : "999999");
    const outcomes = [];
    for (let i = 0; i < ratePolicies.twoFactorAccount.max; i++) {
      const pending = await passwordStep(user.email);
      outcomes.push(await completeSecondStep({ pendingToken: pending.pendingToken, code: await wrong() }, meta()));
    }
    expect(outcomes.at(-1)).toMatchObject({ ok: false, reason: "locked" });
    const locked = await completeSecondStep({ pendingToken: (await passwordStep(user.email)).pendingToken, code: await codeAt(secret, stepNow()) }, meta());
    expect(locked).toMatchObject({ ok: false, reason: "locked" });

    const other = await partnerWithTwoFactor();
    const ip = { ip: "192.0.2.200", userAgent: "vitest" };
    const db = await getDb();
    const { rateLimits } = await import("@/db/schema");
    await db.insert(rateLimits).values({ key: "2fa:ip:192.0.2.200", count: ratePolicies.twoFactorIp.max, blockedUntil: new Date(Date.now() + 60_000) });
    expect(await completeSecondStep({ pendingToken: (await passwordStep(other.user.email)).pendingToken, code: await codeAt(other.secret, stepNow()) }, ip)).toMatchObject({ reason: "locked" });
  });
});

describe("required enrolment", () => {
  it("admin and support must enrol at sign-in before any session exists", async () => {
    for (const role of ["admin", "support"] as const) {
      const user = await createUser({ role });
      const pending = await passwordStep(user.email);
      expect(pending.step).toBe("enrol");
      expect(await sessionCount(user.id)).toBe(0);
      const secret = await pendingSecret(user.id);
      expect(await completeSecondStep({ pendingToken: pending.pendingToken, code: "000000" === (await codeAt(secret, stepNow())) ? "111111" : "000000" }, meta())).toMatchObject({ reason: "invalid" });
      expect(await sessionCount(user.id)).toBe(0);
      const done = await completeSecondStep({ pendingToken: pending.pendingToken, code: await codeAt(secret, stepNow()) }, meta());
      expect(done).toMatchObject({ ok: true });
      expect((await reloadUser(user.id)).totpEnabledAt).not.toBeNull();
      // Next time: a code, not enrolment.
      expect((await passwordStep(user.email)).step).toBe("verify");
    }
  });

  it("an organisation's rule makes its partners enrol; partners without the rule sign in with the password", async () => {
    const { organisation, user, actor } = await partnerIn("approved", { isOrgAdmin: true });
    const colleague = await createUser({ role: "partner", organisationId: organisation.id });
    expect(await authenticate({ email: colleague.email, password: TEST_PASSWORD }, meta())).toMatchObject({ ok: true });

    await setOrganisationRequiresTwoFactor(actor, organisation.id, true);
    expect((await passwordStep(colleague.email)).step).toBe("enrol");
    expect((await passwordStep(user.email)).step).toBe("enrol");
    const db = await getDb();
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.organisationId, organisation.id), eq(auditEvents.action, "organisation.two_factor_requirement")));
    expect(event.detail).toEqual({ required: true });

    // Only the organisation's own org-admin (or a portal admin) may change the rule.
    const colleagueActor = await actorFor(colleague.id);
    await expect(setOrganisationRequiresTwoFactor(colleagueActor, organisation.id, false)).rejects.toThrow(/organisation's administrator/);
    const stranger = await partnerIn("approved", { isOrgAdmin: true });
    await expect(setOrganisationRequiresTwoFactor(stranger.actor, organisation.id, false)).rejects.toThrow(/not found/);
    const { actor: support } = await staff("support");
    await expect(setOrganisationRequiresTwoFactor(support, organisation.id, false)).rejects.toThrow();
    const [org] = await db.select().from(organisations).where(eq(organisations.id, organisation.id));
    expect(org.requireTwoFactor).toBe(true);
  });

  it("turning it off is refused where required, allowed for an optional partner", async () => {
    const optional = await partnerWithTwoFactor();
    await disableOwnTwoFactor(await actorFor(optional.user.id));
    expect((await reloadUser(optional.user.id)).totpEnabledAt).toBeNull();
    expect(await authenticate({ email: optional.user.email, password: TEST_PASSWORD }, meta())).toMatchObject({ ok: true });

    const required = await partnerWithTwoFactor();
    await setOrganisationRequiresTwoFactor(required.actor, required.organisation.id, true);
    await expect(disableOwnTwoFactor(await actorFor(required.user.id))).rejects.toThrow(/requires two-factor/);
  });

  it("new recovery codes replace the old ones", async () => {
    const partner = await partnerWithTwoFactor();
    const fresh = await regenerateOwnRecoveryCodes(await actorFor(partner.user.id));
    expect(fresh).toHaveLength(10);
    expect(await completeSecondStep({ pendingToken: (await passwordStep(partner.user.email)).pendingToken, code: partner.recoveryCodes[0] }, meta())).toMatchObject({ reason: "invalid" });
    expect(await completeSecondStep({ pendingToken: (await passwordStep(partner.user.email)).pendingToken, code: fresh[0] }, meta())).toMatchObject({ ok: true });
  });
});

describe("admin reset", () => {
  it("removes the secret and recovery codes, ends the user's sessions and is audited; only admins may do it", async () => {
    const partner = await partnerWithTwoFactor();
    const session = await actorFor(partner.user.id);
    const { actor: support } = await staff("support");
    await expect(resetTwoFactor(support, partner.user.id)).rejects.toThrow();
    await expect(resetTwoFactor(partner.actor, partner.user.id)).rejects.toThrow();

    const { actor: admin } = await staff("admin");
    await resetTwoFactor(admin, partner.user.id);
    const user = await reloadUser(partner.user.id);
    expect(user.totpEnabledAt).toBeNull();
    expect(user.totpLastStep).toBeNull();
    const db = await getDb();
    expect(await db.select().from(secrets).where(eq(secrets.ownerId, partner.user.id))).toEqual([]);
    expect(await db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, partner.user.id))).toEqual([]);
    expect(await resolveSessionActor(session.sessionId, null)).toBeNull();
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "user.two_factor_reset"), eq(auditEvents.target, partner.user.email)));
    expect(event).toMatchObject({ actorUserId: admin.userId, result: "success", detail: { hadTwoFactor: true } });
    await expect(resetTwoFactor(admin, admin.userId)).rejects.toThrow(/your own/);
    expect(await authenticate({ email: partner.user.email, password: TEST_PASSWORD }, meta())).toMatchObject({ ok: true });
  });
});
