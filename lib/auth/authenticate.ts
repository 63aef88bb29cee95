import "server-only";
import { z } from "zod";
import { recordAudit } from "@/db/queries/audit";
import { blockedUntil, clearKey, countEvent } from "@/db/queries/rate-limits";
import { createSession } from "@/db/queries/sessions";
import { findUserForSignIn, normaliseEmail } from "@/db/queries/users";
import { verifyPassword } from "./password";

export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_LOCK_MINUTES = 15;

export const signInSchema = z.object({
  email: z.string().trim().min(1, "Enter your email address.").max(320).email("Enter a valid email address."),
  password: z.string().min(1, "Enter your password.").max(1024),
});

export type SignInOutcome =
  | { ok: true; userId: string; sessionId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "locked"; until: Date };

/**
 * Verify a password sign-in. The counter is keyed by the email as typed, whether or not an
 * account exists, so unknown and known emails get the same answers and the same lock-out.
 */
export async function authenticate(
  input: { email: string; password: string },
  meta: { ip: string | null; userAgent: string | null },
): Promise<SignInOutcome> {
  const email = normaliseEmail(input.email);
  const throttleKey = `signin:account:${email}`;
  const user = await findUserForSignIn(email);
  const lockedUntil = await blockedUntil(throttleKey);
  if (lockedUntil) {
    await recordAudit({
      actor: user ? { userId: user.id, email: user.email, role: user.role } : null,
      actorEmail: email,
      organisationId: user?.organisationId,
      action: "auth.sign_in",
      result: "denied",
      ip: meta.ip,
      detail: { reason: "locked" },
    });
    return { ok: false, reason: "locked", until: lockedUntil };
  }

  const passwordOk = await verifyPassword(user?.passwordHash, input.password);
  if (!user || !passwordOk || user.disabledAt) {
    const state = await countEvent(throttleKey, {
      max: SIGN_IN_MAX_FAILURES,
      windowMs: SIGN_IN_LOCK_MINUTES * 60_000,
      blockMs: SIGN_IN_LOCK_MINUTES * 60_000,
    });
    await recordAudit({
      actor: user ? { userId: user.id, email: user.email, role: user.role } : null,
      actorEmail: email,
      organisationId: user?.organisationId,
      action: "auth.sign_in",
      result: "failure",
      ip: meta.ip,
      detail: { reason: user?.disabledAt && passwordOk ? "disabled" : "bad_credentials", failures: state.count },
    });
    if (state.blockedUntil) return { ok: false, reason: "locked", until: state.blockedUntil };
    return { ok: false, reason: "invalid" };
  }

  await clearKey(throttleKey);
  const sessionId = await createSession(user.id, meta);
  await recordAudit({
    actor: { userId: user.id, email: user.email, role: user.role },
    organisationId: user.organisationId,
    action: "auth.sign_in",
    result: "success",
    ip: meta.ip,
  });
  return { ok: true, userId: user.id, sessionId };
}
