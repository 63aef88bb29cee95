import { eq } from "drizzle-orm";
import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { rateLimits, sessions } from "@/db/schema";
import { authenticate, SIGN_IN_ACCOUNT_MAX_FAILURES, SIGN_IN_MAX_FAILURES, type SignInOutcome } from "@/lib/auth/authenticate";
import { knownDeviceCookie } from "@/lib/auth/cookies";
import { requireRecentAuthentication } from "@/lib/auth/recent-auth";
import { revealSecret } from "@/lib/vault/secret-store";
import { confirmOwnEnrolment, startOwnEnrolment } from "@/lib/auth/two-factor";
import { changeOwnPassword } from "@/lib/organisations/users";
import { hashPassword } from "@/lib/auth/password";
import { limitKey, ratePolicies } from "@/lib/rate-limits/policies";
import { actorFor, createUser, partnerIn, TEST_PASSWORD } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

/*
 * Issue #16 item 5: five wrong passwords used to lock any known account (the predictable
 * admin@portal.local included) for everyone, the owner with the right password too. Now a
 * stranger's guesses pause only the stranger's address for that account; guessing spread over many
 * addresses makes the account ask for more than the password from unknown browsers, while the
 * owner's known browser, or a right code beside the password, still gets in.
 */

useTemporaryPortalEnv();
withTestDatabase();

let ipSeq = 0;
/** Every call a new address, as a botnet would have. */
const freshIp = () => `198.18.${Math.floor(++ipSeq / 250)}.${(ipSeq % 250) + 1}`;
const attempt = (email: string, password: string, extra: { ip?: string; knownDevice?: string | null; code?: string } = {}) =>
  authenticate({ email, password, code: extra.code }, { ip: extra.ip ?? freshIp(), userAgent: "vitest", knownDevice: extra.knownDevice ?? null });
const reasonOf = (outcome: SignInOutcome) => (outcome.ok ? "ok" : outcome.reason);

/** Wrong passwords for the email from `count` different addresses. */
async function guessFromMany(email: string, count = SIGN_IN_ACCOUNT_MAX_FAILURES): Promise<SignInOutcome[]> {
  const answers: SignInOutcome[] = [];
  for (let i = 0; i < count; i++) answers.push(await attempt(email, `guess number ${i} of many`));
  return answers;
}

async function signedInDevice(email: string): Promise<string> {
  const outcome = await attempt(email, TEST_PASSWORD);
  if (!outcome.ok) throw new Error(`expected a session, got ${reasonOf(outcome)}`);
  return outcome.knownDevice;
}

describe("a stranger's wrong passwords from one address", () => {
  it("pause only that address for that account: the owner of admin@portal.local still gets past the password from elsewhere", async () => {
    const admin = await createUser({ role: "admin", email: "admin@portal.local" });
    const attacker = freshIp();
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) await attempt(admin.email, `attacker guess ${i}`, { ip: attacker });
    expect(await attempt(admin.email, TEST_PASSWORD, { ip: attacker })).toMatchObject({ reason: "locked" });
    // The owner, from their own network: the password step passes (staff then set up two-factor).
    expect(await attempt(admin.email, TEST_PASSWORD)).toMatchObject({ reason: "second_factor", step: "enrol" });
  });

  it("cannot pause a partner's sign-in either, and one address cannot keep guessing one account quickly", async () => {
    const { user } = await partnerIn();
    const attacker = freshIp();
    const answers = [];
    for (let i = 0; i < SIGN_IN_MAX_FAILURES + 2; i++) answers.push(reasonOf(await attempt(user.email, `attacker guess ${i}`, { ip: attacker })));
    expect(answers).toEqual(["invalid", "invalid", "invalid", "invalid", "locked", "locked", "locked"]);
    expect(await attempt(user.email, TEST_PASSWORD)).toMatchObject({ ok: true });
  });
});

describe("guessing one account from many addresses", () => {
  it("makes the account ask unknown browsers for more than the password: the right password alone gets a wrong one's answer, for known and unknown emails alike", async () => {
    const { user } = await partnerIn();
    const unknown = "nobody-at-all@example.com";
    const known = (await guessFromMany(user.email)).map(reasonOf);
    const stranger = (await guessFromMany(unknown)).map(reasonOf);
    expect(stranger).toEqual(known);
    expect(known.slice(0, SIGN_IN_ACCOUNT_MAX_FAILURES - 1).every((r) => r === "invalid")).toBe(true);
    expect(known.at(-1)).toBe("device_required");

    const right = await attempt(user.email, TEST_PASSWORD);
    const wrong = await attempt(user.email, "yet another guess");
    const nobody = await attempt(unknown, TEST_PASSWORD);
    expect([right, wrong, nobody].map(reasonOf)).toEqual(["device_required", "device_required", "device_required"]);
    // No session came of the right password.
    const db = await getDb();
    expect(await db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(1); // partnerIn's own
  });

  it("keeps counting the right password from an unknown browser, so a guesser cannot tell it apart over repeated tries", async () => {
    const { user } = await partnerIn();
    await guessFromMany(user.email);
    const ip = freshIp();
    const rightAnswers = [];
    for (let i = 0; i < SIGN_IN_MAX_FAILURES + 1; i++) rightAnswers.push(reasonOf(await attempt(user.email, TEST_PASSWORD, { ip })));
    const other = freshIp();
    const wrongAnswers = [];
    for (let i = 0; i < SIGN_IN_MAX_FAILURES + 1; i++) wrongAnswers.push(reasonOf(await attempt(user.email, "not the password", { ip: other })));
    expect(rightAnswers).toEqual(wrongAnswers);
    expect(rightAnswers.at(-1)).toBe("locked");
  });

  it("lets the owner's known browser in, from any address, but not past that address's own block", async () => {
    const { user } = await partnerIn();
    const device = await signedInDevice(user.email);
    await guessFromMany(user.email);
    expect(await attempt(user.email, TEST_PASSWORD)).toMatchObject({ reason: "device_required" });
    expect(await attempt(user.email, TEST_PASSWORD, { knownDevice: device })).toMatchObject({ ok: true });
    // Wrong passwords from the known browser still count, and its address gets paused like any other.
    const ip = freshIp();
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) await attempt(user.email, `typo ${i}`, { ip, knownDevice: device });
    expect(await attempt(user.email, TEST_PASSWORD, { ip, knownDevice: device })).toMatchObject({ reason: "locked" });
  });

  it("accepts the known-device proof only for its own account, unaltered, and only until the password changes", async () => {
    const { user } = await partnerIn();
    const { user: colleague } = await partnerIn();
    const device = await signedInDevice(user.email);
    const colleaguesDevice = await signedInDevice(colleague.email);
    await guessFromMany(user.email);
    expect(await attempt(user.email, TEST_PASSWORD, { knownDevice: colleaguesDevice })).toMatchObject({ reason: "device_required" });
    const [issuedAt, mac] = device.split(".");
    const forged = `${issuedAt}.${mac.startsWith("A") ? "B" : "A"}${mac.slice(1)}`;
    expect(await attempt(user.email, TEST_PASSWORD, { knownDevice: forged })).toMatchObject({ reason: "device_required" });
    expect(await attempt(user.email, TEST_PASSWORD, { knownDevice: `${Number(issuedAt) + 60}.${mac}` })).toMatchObject({ reason: "device_required" });
    // One browser may hold the proof of a few accounts.
    expect(await attempt(user.email, TEST_PASSWORD, { knownDevice: `${colleaguesDevice}~${device}` })).toMatchObject({ ok: true });

    // A password change (or reset) makes every earlier proof worthless, an attacker's included.
    await changeOwnPassword(await actorFor(user.id), await hashPassword("a fresh long passphrase 31"));
    expect(await attempt(user.email, "a fresh long passphrase 31", { knownDevice: device })).toMatchObject({ reason: "device_required" });
  });

  it("lets a two-factor owner in with the password and a right code together; a wrong code, no code or a wrong password get the same answer", async () => {
    const partner = await partnerIn();
    await startOwnEnrolment(partner.actor);
    const { secret } = JSON.parse((await revealSecret({ kind: "user", id: partner.user.id }, "totp_pending"))!) as { secret: string };
    const step = Math.floor(Date.now() / 30_000);
    await confirmOwnEnrolment(partner.actor, await generate({ secret, epoch: (step - 1) * 30 }));
    await guessFromMany(partner.user.email);
    const code = await generate({ secret, epoch: step * 30 });
    const wrongCode = code === "000000" ? "111111" : "000000";

    const answers = [
      await attempt(partner.user.email, "a guessed password", { code }),
      await attempt(partner.user.email, TEST_PASSWORD, { code: wrongCode }),
      await attempt(partner.user.email, TEST_PASSWORD),
    ];
    expect(answers.map(reasonOf)).toEqual(["device_required", "device_required", "device_required"]);
    // The code was not spent by the wrong password: the owner now gets in with both.
    expect(await attempt(partner.user.email, TEST_PASSWORD, { code })).toMatchObject({ ok: true });
  });

  it("never stops a signed-in owner's own confirm-it-is-you prompt", async () => {
    const { user } = await partnerIn();
    const actor = await actorFor(user.id);
    await guessFromMany(user.email);
    const stale = { ...actor, reauthenticatedAt: new Date(0), ip: freshIp() };
    await expect(requireRecentAuthentication(stale, { currentPassword: TEST_PASSWORD })).resolves.toBeUndefined();
  });

  it("blocks for 15 minutes, then counts afresh", async () => {
    const { user } = await partnerIn();
    await guessFromMany(user.email);
    const db = await getDb();
    const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, limitKey("signInAccount", user.email)));
    const minutes = (row.blockedUntil!.getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(ratePolicies.signInAccount.blockMs / 60_000 + 0.1);
    await db.update(rateLimits).set({ blockedUntil: new Date(Date.now() - 1000) }).where(eq(rateLimits.key, limitKey("signInAccount", user.email)));
    expect(await attempt(user.email, TEST_PASSWORD)).toMatchObject({ ok: true });
  });
});

describe("the known-device cookie", () => {
  it("is HttpOnly, SameSite=Lax and, under HTTPS, Secure with the __Host- prefix", () => {
    expect(knownDeviceCookie("https://portal.example.com")).toEqual({
      name: "__Host-portal.known-device",
      options: { httpOnly: true, sameSite: "lax", path: "/", secure: true },
    });
    expect(knownDeviceCookie("http://localhost:3000").options).toMatchObject({ httpOnly: true, sameSite: "lax", secure: false });
  });

  it("names no account: only a timestamp and an HMAC", async () => {
    const { user } = await partnerIn();
    const device = await signedInDevice(user.email);
    expect(device).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    expect(device).not.toContain(user.id);
  });
});
