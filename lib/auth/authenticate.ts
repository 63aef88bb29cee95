import "server-only";
import { z } from "zod";
import { inTransaction, type Executor } from "@/db/executor";
import type { User } from "@/db/schema";
import { recordAudit } from "@/lib/audit/log";
import { isKnownDevice, rememberDevice } from "@/lib/auth/known-device";
import { issueFirstPasswordChange } from "@/lib/auth/password-resets";
import { createPendingSignIn } from "@/lib/auth/pending-sign-ins";
import { createSession } from "@/lib/auth/sessions";
import { beginEnrolment, secondFactorStepFor, verifySecondFactor } from "@/lib/auth/two-factor";
import { findUserForSignIn, normaliseEmail } from "@/lib/organisations/users";
import { verifyPassword } from "@/lib/auth/password";
import { limitedUntil, rateLimitsOn, ratePolicies, type LimitSubject } from "@/lib/rate-limits/policies";
import { signInAccountLimit, signInSourceLimits } from "@/lib/auth/sign-in-limits";

/** Wrong passwords for one account from one address before that address is paused for it. */
export const SIGN_IN_MAX_FAILURES = ratePolicies.signInAccountSource.max;
export const SIGN_IN_LOCK_MINUTES = ratePolicies.signInAccountSource.blockMs / 60_000;
/** Wrong passwords for one account from anywhere before it asks for the known-device proof or a code. */
export const SIGN_IN_ACCOUNT_MAX_FAILURES = ratePolicies.signInAccount.max;

export const signInSchema = z.object({
  email: z.string().trim().min(1, "Enter your email address.").max(320).email("Enter a valid email address."),
  password: z.string().min(1, "Enter your password.").max(1024),
  /** Only asked for while the account is under attack (see "device_required"): a code sent with the password. */
  code: z.string().trim().max(32, "That is longer than any code we issue.").optional(),
});

export type SignInOutcome =
  /** `knownDevice`: the known-device cookie's next value (lib/auth/known-device.ts). */
  | { ok: true; userId: string; sessionId: string; knownDevice: string }
  | { ok: false; reason: "invalid" }
  /** Too many wrong passwords for this account from this address, or from this address overall. */
  | { ok: false; reason: "locked"; until: Date }
  /**
   * Too many wrong passwords for this account from everywhere: only a browser that signed in to it
   * before, or the password sent together with a right authenticator (or recovery) code, gets in.
   */
  | { ok: false; reason: "device_required"; until: Date }
  /** An admin forced a password reset: the old password, even when right, no longer opens a session. */
  | { ok: false; reason: "password_reset_required" }
  /** The right generated first password (the printed bootstrap admin's): choose your own through this one-time reset link. */
  | { ok: false; reason: "password_change_required"; resetToken: string }
  /** Right password, but a code is owed (or the user must set up 2FA first): no session yet. */
  | { ok: false; reason: "second_factor"; pendingToken: string; step: "verify" | "enrol" };

export interface SignInMeta {
  ip: string | null;
  userAgent: string | null;
  /** The known-device cookie as the browser sent it. */
  knownDevice?: string | null;
}

/**
 * The password step of sign-in: establishes an actor, so it takes the request facts (email,
 * password, an optional code, ip, user agent, the known-device cookie). Throttles (policy in
 * README "Sign-in throttling"): wrong passwords count per account and address (5 pause that
 * address for that account), per address (50 pause it for everyone) and per account from
 * everywhere (50 ask for the known-device cookie or a code beside the password: a stranger's
 * guesses from many addresses slow guessing down without locking the owner out). Every counter is
 * keyed by the email as typed, so unknown and known emails get the same answers, and an expired
 * generated password answers like a wrong one. Each outcome's writes (counters, pending sign-in or
 * session, reset link, audit row) commit together; the password hash is checked before the
 * transaction opens.
 */
export async function authenticate(input: { email: string; password: string; code?: string }, meta: SignInMeta): Promise<SignInOutcome> {
  const email = normaliseEmail(input.email);
  const sourceLimits = signInSourceLimits(email, meta.ip);
  const accountLimit = signInAccountLimit(email);
  const user = await findUserForSignIn(email);
  const auditActor = user ? { userId: user.id, email: user.email, role: user.role } : null;
  const audit = (result: "success" | "failure" | "denied", detail: Record<string, unknown>, tx?: Executor) =>
    recordAudit({ actor: auditActor, actorEmail: email, organisationId: user?.organisationId, action: "auth.sign_in", result, ip: meta.ip, detail }, tx);

  const sourceLocked = await limitedUntil(...sourceLimits);
  if (sourceLocked) {
    // The password is still checked, so a locked answer takes as long as any other.
    await verifyPassword(user?.passwordHash, input.password);
    await audit("denied", { reason: "locked" });
    return { ok: false, reason: "locked", until: sourceLocked };
  }
  const accountLocked = await limitedUntil(accountLimit);
  const passwordOk = await verifyPassword(user?.passwordHash, input.password);
  const knownDevice = isKnownDevice(user, meta.knownDevice);

  /** Counts the attempt everywhere; the answer names the tightest block it hit. */
  const refuse = async (tx: Executor, reason: string): Promise<SignInOutcome> => {
    const rateLimits = rateLimitsOn(tx);
    const sourceBlock = await rateLimits.countAttempt(...sourceLimits);
    const accountBlock = await rateLimits.countAttempt(accountLimit);
    await audit("failure", { reason }, tx);
    if (sourceBlock) return { ok: false, reason: "locked", until: sourceBlock };
    if (accountBlock && !knownDevice) return { ok: false, reason: "device_required", until: accountBlock };
    return { ok: false, reason: "invalid" };
  };

  const expired = Boolean(user?.passwordExpiresAt && user.passwordExpiresAt.getTime() <= Date.now());
  if (!user || !passwordOk || user.disabledAt || expired) {
    const reason = !user || !passwordOk ? "bad_credentials" : user.disabledAt ? "disabled" : "password_expired";
    return inTransaction((tx) => refuse(tx, reason));
  }

  if (accountLocked && !knownDevice) {
    // Under attack and not the owner's browser: the right password alone proves nothing more than a
    // guess would, so it gets the same answer and counts like one, unless a right code came with it.
    return inTransaction(async (tx) => {
      const method = input.code ? await codeBesidePassword(tx, user, input.code, meta.ip) : null;
      if (!method) return refuse(tx, input.code ? "no_device_proof_wrong_code" : "no_device_proof");
      return rightPassword(tx, user, meta, sourceLimits[0], method);
    });
  }
  return inTransaction((tx) => rightPassword(tx, user, meta, sourceLimits[0], null));
}

/** A code sent with the password while the account's block is on; counted like a second-step code. */
async function codeBesidePassword(tx: Executor, user: User, code: string, ip: string | null): Promise<"totp" | "recovery" | null> {
  const rateLimits = rateLimitsOn(tx);
  const limits: LimitSubject[] = [
    ["twoFactorAccount", user.id],
    ["twoFactorIp", ip],
  ];
  if (await rateLimits.limitedUntil(...limits)) return null;
  const method = await verifySecondFactor(user.id, code, { allowRecovery: true }, tx);
  if (!method) {
    await rateLimits.countAttempt(...limits);
    return null;
  }
  await rateLimits.clearLimits(["twoFactorAccount", user.id]);
  return method;
}

/** The right password (and, when `codeMethod` is set, a right code beside it): what comes next. */
async function rightPassword(tx: Executor, user: User, meta: SignInMeta, sourceLimit: LimitSubject, codeMethod: "totp" | "recovery" | null): Promise<SignInOutcome> {
  const auditActor = { userId: user.id, email: user.email, role: user.role };
  const audit = (action: string, result: "success" | "denied", detail: Record<string, unknown>) =>
    recordAudit({ actor: auditActor, organisationId: user.organisationId, action, result, ip: meta.ip, detail }, tx);
  // This address's count for this account starts again; the account-wide count runs out on its own,
  // so one success by the owner does not hand guessers a fresh allowance.
  await rateLimitsOn(tx).clearLimits(sourceLimit);
  if (user.mustChangePassword) {
    if (user.passwordExpiresAt) {
      // A generated first password (printed at start-up): whoever has it chooses their own now.
      const resetToken = await issueFirstPasswordChange(tx, user, meta.ip);
      await audit("auth.sign_in", "denied", { reason: "password_change_required" });
      return { ok: false, reason: "password_change_required", resetToken };
    }
    await audit("auth.sign_in", "denied", { reason: "password_reset_required" });
    return { ok: false, reason: "password_reset_required" };
  }
  const step = codeMethod ? null : await secondFactorStepFor(user.id, tx);
  if (step) {
    if (step === "enrol") await beginEnrolment(user.id, tx);
    const pendingToken = await createPendingSignIn(user.id, step, meta, tx);
    await audit("auth.password_step", "success", { next: step });
    return { ok: false, reason: "second_factor", pendingToken, step };
  }
  const sessionId = await createSession(user.id, meta, tx);
  await audit("auth.sign_in", "success", codeMethod ? { method: codeMethod, withPassword: true } : { method: "password" });
  return { ok: true, userId: user.id, sessionId, knownDevice: rememberDevice(user, meta.knownDevice) };
}
