import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, passwordResets, rateLimits, sessions, users } from "@/db/schema";
import { authenticate } from "@/lib/auth/authenticate";
import { systemActor } from "@/lib/auth/actor";
import { completePasswordReset, findOpenPasswordReset, forcePasswordReset } from "@/lib/auth/password-resets";
import { ensureFirstAdmin, formatLogins } from "@/lib/organisations/bootstrap";
import { env, type Env } from "@/lib/env";
import { limitKey } from "@/lib/rate-limits/policies";
import { createUser, reloadUser, staff, TEST_PASSWORD } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

/*
 * Issue #16 item 5 (second half): the first administrator's printed password is a first password
 * only. Its first use goes straight to choosing one's own, and unused it expires after
 * BOOTSTRAP_PASSWORD_HOURS, answering like any wrong password. A password the operator chose
 * (BOOTSTRAP_ADMIN_PASSWORD) is theirs: no forced change, no expiry. The operator's way back in is
 * a restart: with BOOTSTRAP_ADMIN_PASSWORD, or, once the printed one expired, without it for a new one.
 */

useTemporaryPortalEnv();
withTestDatabase();

let ipSeq = 0;
const meta = () => ({ ip: `192.0.2.${++ipSeq}`, userAgent: "vitest" });
const NEW_PASSWORD = "the admin's own passphrase 2049";
let emailSeq = 0;

/** A start on a database with no administrator yet (earlier tests' admins step aside). */
async function startWithoutAdmin(overrides: Partial<Env> = {}): Promise<Env> {
  const db = await getDb();
  await db.update(users).set({ role: "support" }).where(eq(users.role, "admin"));
  return startConfig({ BOOTSTRAP_ADMIN_EMAIL: `admin-${++emailSeq}@portal.local`, ...overrides });
}

function startConfig(overrides: Partial<Env>): Env {
  return { ...env(), BOOTSTRAP_ADMIN_PASSWORD: undefined, BOOTSTRAP_PASSWORD_HOURS: 24, ...overrides } as Env;
}

async function adminRow(email: string) {
  const db = await getDb();
  const [row] = await db.select().from(users).where(eq(users.email, email));
  return row;
}

async function expireFirstPassword(email: string) {
  const db = await getDb();
  await db.update(users).set({ passwordExpiresAt: new Date(Date.now() - 1000) }).where(eq(users.email, email));
}

describe("a generated (printed) first admin password", () => {
  it("is printed with its expiry, and its first use leads only to choosing one's own password, never to a session", async () => {
    const config = await startWithoutAdmin();
    const login = await ensureFirstAdmin(systemActor("bootstrap"), config);
    if (!login?.password || !login.expiresAt) throw new Error("expected a printed first password");
    const hours = (login.expiresAt.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    expect(formatLogins("http://localhost:3000", [login])).toContain(`password: ${login.password}`);
    expect(formatLogins("http://localhost:3000", [login])).toMatch(/works until \d{4}-\d\d-\d\d \d\d:\d\d UTC, and the first sign-in asks you to choose your own/);
    const row = await adminRow(config.BOOTSTRAP_ADMIN_EMAIL);
    expect(row).toMatchObject({ role: "admin", mustChangePassword: true });
    expect(row.passwordExpiresAt?.getTime()).toBe(login.expiresAt.getTime());

    const outcome = await authenticate({ email: config.BOOTSTRAP_ADMIN_EMAIL, password: login.password }, meta());
    if (outcome.ok || outcome.reason !== "password_change_required") throw new Error(`expected the password change, got ${JSON.stringify(outcome)}`);
    const db = await getDb();
    expect(await db.select().from(sessions).where(eq(sessions.userId, row.id))).toHaveLength(0);
    expect(await findOpenPasswordReset(outcome.resetToken)).toMatchObject({ email: config.BOOTSTRAP_ADMIN_EMAIL });
    const [audit] = await db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, row.id), eq(auditEvents.action, "auth.sign_in")));
    expect(audit).toMatchObject({ result: "denied", detail: { reason: "password_change_required" } });

    await completePasswordReset(outcome.resetToken, NEW_PASSWORD, "192.0.2.200");
    expect(await adminRow(config.BOOTSTRAP_ADMIN_EMAIL)).toMatchObject({ mustChangePassword: false, passwordExpiresAt: null });
    // The printed password is gone; the chosen one leads on to the two-factor set-up staff must do.
    expect(await authenticate({ email: config.BOOTSTRAP_ADMIN_EMAIL, password: login.password }, meta())).toEqual({ ok: false, reason: "invalid" });
    expect(await authenticate({ email: config.BOOTSTRAP_ADMIN_EMAIL, password: NEW_PASSWORD }, meta())).toMatchObject({ reason: "second_factor", step: "enrol" });
    // A later start prints nothing and changes nothing.
    expect(await ensureFirstAdmin(systemActor("bootstrap"), config)).toBeNull();
  });

  it("expires unused, answering exactly like a wrong password (and counted like one)", async () => {
    const config = await startWithoutAdmin();
    const login = await ensureFirstAdmin(systemActor("bootstrap"), config);
    await expireFirstPassword(config.BOOTSTRAP_ADMIN_EMAIL);
    const ip = "192.0.2.150";
    const expired = await authenticate({ email: config.BOOTSTRAP_ADMIN_EMAIL, password: login!.password! }, { ip, userAgent: "vitest" });
    const wrong = await authenticate({ email: config.BOOTSTRAP_ADMIN_EMAIL, password: "not the printed one at all" }, { ip, userAgent: "vitest" });
    expect(expired).toEqual({ ok: false, reason: "invalid" });
    expect(expired).toEqual(wrong);
    const db = await getDb();
    const [counter] = await db.select().from(rateLimits).where(eq(rateLimits.key, limitKey("signInAccountSource", `${config.BOOTSTRAP_ADMIN_EMAIL}|${ip}`)));
    expect(counter.count).toBe(2);
    const row = await adminRow(config.BOOTSTRAP_ADMIN_EMAIL);
    expect(await db.select().from(passwordResets).where(eq(passwordResets.userId, row.id))).toHaveLength(0);
  });

  it("once expired, a restart prints a fresh one (the old one stays dead); before that, a restart prints nothing", async () => {
    const config = await startWithoutAdmin();
    const first = await ensureFirstAdmin(systemActor("bootstrap"), config);
    expect(await ensureFirstAdmin(systemActor("bootstrap"), config)).toBeNull();
    await expireFirstPassword(config.BOOTSTRAP_ADMIN_EMAIL);
    const second = await ensureFirstAdmin(systemActor("bootstrap"), config);
    if (!second?.password || !second.expiresAt) throw new Error("expected a new printed first password");
    expect(second.password).not.toBe(first!.password);
    expect(second.expiresAt.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(await authenticate({ email: config.BOOTSTRAP_ADMIN_EMAIL, password: first!.password! }, meta())).toEqual({ ok: false, reason: "invalid" });
    expect(await authenticate({ email: config.BOOTSTRAP_ADMIN_EMAIL, password: second.password }, meta())).toMatchObject({ reason: "password_change_required" });
    const db = await getDb();
    const [audit] = await db.select().from(auditEvents).where(eq(auditEvents.action, "user.first_password_replaced"));
    expect(audit).toMatchObject({ actorEmail: "system:bootstrap", target: config.BOOTSTRAP_ADMIN_EMAIL, result: "success" });
  });

  it("is replaced by BOOTSTRAP_ADMIN_PASSWORD at a restart (the printed one lost): no forced change, no expiry, earlier reset links dead", async () => {
    const config = await startWithoutAdmin();
    const login = await ensureFirstAdmin(systemActor("bootstrap"), config);
    const earlier = await authenticate({ email: config.BOOTSTRAP_ADMIN_EMAIL, password: login!.password! }, meta());
    if (earlier.ok || earlier.reason !== "password_change_required") throw new Error("expected the password change");
    const restart = { ...config, BOOTSTRAP_ADMIN_PASSWORD: "the operator's own choice 77" };
    const replaced = await ensureFirstAdmin(systemActor("bootstrap"), restart);
    expect(replaced?.email).toBe(config.BOOTSTRAP_ADMIN_EMAIL);
    expect(replaced?.password).toBeUndefined();
    expect(await adminRow(config.BOOTSTRAP_ADMIN_EMAIL)).toMatchObject({ mustChangePassword: false, passwordExpiresAt: null });
    expect(await findOpenPasswordReset(earlier.resetToken)).toBeNull();
    expect(await authenticate({ email: config.BOOTSTRAP_ADMIN_EMAIL, password: login!.password! }, meta())).toEqual({ ok: false, reason: "invalid" });
    expect(await authenticate({ email: config.BOOTSTRAP_ADMIN_EMAIL, password: "the operator's own choice 77" }, meta())).toMatchObject({ reason: "second_factor", step: "enrol" });
    // Once the admin chose their own, the variable left in the environment changes nothing.
    expect(await ensureFirstAdmin(systemActor("bootstrap"), restart)).toBeNull();
  });
});

describe("an operator-chosen first admin password (BOOTSTRAP_ADMIN_PASSWORD)", () => {
  it("is the operator's own: no forced change and no expiry, so scripted installs and the e2e suite sign in with it", async () => {
    const config = await startWithoutAdmin({ BOOTSTRAP_ADMIN_PASSWORD: "operator chosen passphrase 12" });
    const login = await ensureFirstAdmin(systemActor("bootstrap"), config);
    expect(login).toEqual({ label: "First admin", email: config.BOOTSTRAP_ADMIN_EMAIL });
    expect(await adminRow(config.BOOTSTRAP_ADMIN_EMAIL)).toMatchObject({ mustChangePassword: false, passwordExpiresAt: null });
    expect(await authenticate({ email: config.BOOTSTRAP_ADMIN_EMAIL, password: "operator chosen passphrase 12" }, meta())).toMatchObject({ reason: "second_factor", step: "enrol" });
  });
});

describe("an admin's forced reset", () => {
  it("is never mistaken for a first password: the old password, even right, gets no reset link", async () => {
    const user = await createUser({ role: "partner" });
    const { actor: admin } = await staff("admin");
    await forcePasswordReset(admin, user.id);
    expect((await reloadUser(user.id)).passwordExpiresAt).toBeNull();
    expect(await authenticate({ email: user.email, password: TEST_PASSWORD }, meta())).toEqual({ ok: false, reason: "password_reset_required" });
  });
});
