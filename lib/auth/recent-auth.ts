import "server-only";
import { inTransaction } from "@/db/executor";
import { clearSessionReauthentication, markSessionReauthenticated } from "@/db/repositories/sessions";
import { FRESH_AUTH_MS } from "@/lib/auth/sessions";
import { verifyOwnTotpCode } from "@/lib/auth/two-factor";
import { getOwnPasswordHash } from "@/lib/organisations/users";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { UserInputError } from "@/lib/errors";
import { verifyPassword } from "@/lib/auth/password";
import { limitedUntil, rateLimitsOn, RateLimitedError, type LimitSubject } from "@/lib/rate-limits/policies";
import { signInAccountLimit, signInSourceLimits } from "@/lib/auth/sign-in-limits";

export const RECENT_AUTH_MS = FRESH_AUTH_MS;

/** What a form may carry to prove it is still the user: their password, or a code from their authenticator. */
export interface FreshProof {
  currentPassword?: string | null;
  totpCode?: string | null;
}

/**
 * Sensitive actions (secrets, private-key downloads, API tokens, role changes) need the password
 * or a TOTP code entered in the last five minutes. When the form carries a right one, the session
 * is marked fresh for the next five minutes. Wrong answers count against the same limits as
 * sign-in, so this prompt cannot be used to guess a password or code. The code claim, the counter
 * or the fresh mark, and the audit row commit together.
 */
export async function requireRecentAuthentication(actor: Actor, proof: FreshProof = {}): Promise<void> {
  if (!needsReauthentication(actor)) return;
  const password = proof.currentPassword || undefined;
  const code = proof.totpCode?.trim() || undefined;
  if (!password && !code) {
    throw new UserInputError("For your security, confirm it is you: enter your portal password or a code from your authenticator app.", "currentPassword");
  }
  // A password counts like a sign-in attempt (this account from this address, this address, and the
  // account from everywhere), but only the per-address blocks refuse it: a signed-in session is at
  // least the proof a known device is, so guesses elsewhere never stop its owner here.
  const limits: LimitSubject[] = code ? [["twoFactorAccount", actor.userId], ["twoFactorIp", actor.ip]] : signInSourceLimits(actor.email, actor.ip);
  const counted: LimitSubject[] = code ? limits : [...limits, signInAccountLimit(actor.email)];
  const until = await limitedUntil(...limits);
  if (until) throw new RateLimitedError(until, "Too many wrong answers");

  // The password hash is checked before the transaction opens: it takes a while on purpose.
  const passwordOk = code ? false : await verifyPassword(await getOwnPasswordHash(actor), password ?? "");
  const method = code ? "totp" : "password";
  const ok = await inTransaction(async (tx) => {
    const right = code ? await verifyOwnTotpCode(actor, code, tx) : passwordOk;
    if (!right) {
      await rateLimitsOn(tx).countAttempt(...counted);
      await recordAudit({ actor, organisationId: actor.organisationId, action: "auth.reauthenticate", result: "failure", ip: actor.ip, detail: { method } }, tx);
      return false;
    }
    await markSessionReauthenticated(tx, actor.sessionId);
    await recordAudit({ actor, organisationId: actor.organisationId, action: "auth.reauthenticate", result: "success", ip: actor.ip, detail: { method } }, tx);
    return true;
  });
  if (!ok) {
    throw code
      ? new UserInputError("That code is not valid (or was already used). Enter the current code from your authenticator app.", "totpCode")
      : new UserInputError("That is not your portal password.", "currentPassword");
  }
}

/** Whether the next sensitive action will have to ask again. */
export function needsReauthentication(actor: Actor, now = Date.now()): boolean {
  return now - actor.reauthenticatedAt.getTime() >= RECENT_AUTH_MS;
}

/** Until when the session's last password or code entry counts as fresh; null when it no longer does. */
export function freshAuthenticationUntil(actor: Actor, now = Date.now()): Date | null {
  return needsReauthentication(actor, now) ? null : new Date(actor.reauthenticatedAt.getTime() + RECENT_AUTH_MS);
}

/**
 * The page-level "Confirm it's you": checks the password or code (when the session is not fresh
 * already) and answers until when sensitive forms are unlocked.
 */
export async function confirmRecentAuthentication(actor: Actor, proof: FreshProof): Promise<Date> {
  const until = freshAuthenticationUntil(actor);
  if (until) return until;
  await requireRecentAuthentication(actor, proof);
  return new Date(Date.now() + RECENT_AUTH_MS);
}

/** "Lock these forms now": the next sensitive action asks for the password or a code again. Audited. */
export async function forgetRecentAuthentication(actor: Actor): Promise<void> {
  await inTransaction(async (tx) => {
    await clearSessionReauthentication(tx, actor.sessionId);
    await recordAudit({ actor, organisationId: actor.organisationId, action: "auth.reauthentication_cleared", result: "success", ip: actor.ip }, tx);
  });
}
