import "server-only";
import { z } from "zod";
import { inTransaction } from "@/db/executor";
import { recordAudit } from "@/lib/audit/log";
import { createPendingSignIn } from "@/lib/auth/pending-sign-ins";
import { createSession } from "@/lib/auth/sessions";
import { beginEnrolment, secondFactorStepFor } from "@/lib/auth/two-factor";
import { findUserForSignIn, normaliseEmail } from "@/lib/organisations/users";
import { verifyPassword } from "@/lib/auth/password";
import { limitedUntil, rateLimitsOn, ratePolicies, type LimitSubject } from "@/lib/rate-limits/policies";

export const SIGN_IN_MAX_FAILURES = ratePolicies.signInAccount.max;
export const SIGN_IN_LOCK_MINUTES = ratePolicies.signInAccount.blockMs / 60_000;

export const signInSchema = z.object({
  email: z.string().trim().min(1, "Enter your email address.").max(320).email("Enter a valid email address."),
  password: z.string().min(1, "Enter your password.").max(1024),
});

export type SignInOutcome =
  | { ok: true; userId: string; sessionId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "locked"; until: Date }
  /** An admin forced a password reset: the old password, even when right, no longer opens a session. */
  | { ok: false; reason: "password_reset_required" }
  /** Right password, but a code is owed (or the user must set up 2FA first): no session yet. */
  | { ok: false; reason: "second_factor"; pendingToken: string; step: "verify" | "enrol" };

/**
 * The password step of sign-in: establishes an actor, so it takes the request facts (email,
 * password, ip, user agent). Failures count per email as typed (whether or not an account exists,
 * so unknown and known emails get the same answers and lock-out) and per client IP. A user with
 * two-factor sign-in, or one who must enrol, gets only a pending sign-in here. Each outcome's
 * writes (counters, pending sign-in or session, audit row) commit together; the password hash is
 * checked before the transaction opens.
 */
export async function authenticate(
  input: { email: string; password: string },
  meta: { ip: string | null; userAgent: string | null },
): Promise<SignInOutcome> {
  const email = normaliseEmail(input.email);
  const limits: LimitSubject[] = [
    ["signInAccount", email],
    ["signInIp", meta.ip],
  ];
  const user = await findUserForSignIn(email);
  const auditActor = user ? { userId: user.id, email: user.email, role: user.role } : null;
  const lockedUntil = await limitedUntil(...limits);
  if (lockedUntil) {
    // The password is still checked, so a locked answer takes as long as any other.
    await verifyPassword(user?.passwordHash, input.password);
    await recordAudit({ actor: auditActor, actorEmail: email, organisationId: user?.organisationId, action: "auth.sign_in", result: "denied", ip: meta.ip, detail: { reason: "locked" } });
    return { ok: false, reason: "locked", until: lockedUntil };
  }

  const passwordOk = await verifyPassword(user?.passwordHash, input.password);
  if (!user || !passwordOk || user.disabledAt) {
    return inTransaction(async (tx) => {
      const blocked = await rateLimitsOn(tx).countAttempt(...limits);
      await recordAudit(
        {
          actor: auditActor,
          actorEmail: email,
          organisationId: user?.organisationId,
          action: "auth.sign_in",
          result: "failure",
          ip: meta.ip,
          detail: { reason: user?.disabledAt && passwordOk ? "disabled" : "bad_credentials" },
        },
        tx,
      );
      return blocked ? { ok: false, reason: "locked", until: blocked } : { ok: false, reason: "invalid" };
    });
  }

  return inTransaction(async (tx): Promise<SignInOutcome> => {
    await rateLimitsOn(tx).clearLimits(["signInAccount", email]);
    if (user.mustChangePassword) {
      await recordAudit({ actor: auditActor, organisationId: user.organisationId, action: "auth.sign_in", result: "denied", ip: meta.ip, detail: { reason: "password_reset_required" } }, tx);
      return { ok: false, reason: "password_reset_required" };
    }
    const step = await secondFactorStepFor(user.id, tx);
    if (step) {
      if (step === "enrol") await beginEnrolment(user.id, tx);
      const pendingToken = await createPendingSignIn(user.id, step, meta, tx);
      await recordAudit({ actor: auditActor, organisationId: user.organisationId, action: "auth.password_step", result: "success", ip: meta.ip, detail: { next: step } }, tx);
      return { ok: false, reason: "second_factor", pendingToken, step };
    }
    const sessionId = await createSession(user.id, meta, tx);
    await recordAudit({ actor: auditActor, organisationId: user.organisationId, action: "auth.sign_in", result: "success", ip: meta.ip, detail: { method: "password" } }, tx);
    return { ok: true, userId: user.id, sessionId };
  });
}
