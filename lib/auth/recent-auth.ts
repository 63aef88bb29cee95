import "server-only";
import { FRESH_AUTH_MS, markReauthenticated } from "@/lib/auth/sessions";
import { hasTwoFactor, verifySecondFactor } from "@/lib/auth/two-factor";
import { getOwnPasswordHash } from "@/lib/organisations/users";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { UserInputError } from "@/lib/errors";
import { verifyPassword } from "@/lib/auth/password";
import { countAttempt, limitedUntil, RateLimitedError, type LimitSubject } from "@/lib/rate-limits/policies";

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
 * sign-in, so this prompt cannot be used to guess a password or code.
 */
export async function requireRecentAuthentication(actor: Actor, proof: FreshProof = {}): Promise<void> {
  if (!needsReauthentication(actor)) return;
  const password = proof.currentPassword || undefined;
  const code = proof.totpCode?.trim() || undefined;
  if (!password && !code) {
    throw new UserInputError("For your security, confirm it is you: enter your portal password or a code from your authenticator app.", "currentPassword");
  }
  const limits: LimitSubject[] = code
    ? [["twoFactorAccount", actor.userId], ["twoFactorIp", actor.ip]]
    : [["signInAccount", actor.email], ["signInIp", actor.ip]];
  const until = await limitedUntil(...limits);
  if (until) throw new RateLimitedError(until, "Too many wrong answers");

  const ok = code
    ? (await hasTwoFactor(actor.userId)) && (await verifySecondFactor(actor.userId, code, { allowRecovery: false })) === "totp"
    : await verifyPassword(await getOwnPasswordHash(actor), password ?? "");
  if (!ok) {
    await countAttempt(...limits);
    await recordAudit({ actor, organisationId: actor.organisationId, action: "auth.reauthenticate", result: "failure", ip: actor.ip, detail: { method: code ? "totp" : "password" } });
    throw code
      ? new UserInputError("That code is not valid (or was already used). Enter the current code from your authenticator app.", "totpCode")
      : new UserInputError("That is not your portal password.", "currentPassword");
  }
  await markReauthenticated(actor.sessionId);
  await recordAudit({ actor, organisationId: actor.organisationId, action: "auth.reauthenticate", result: "success", ip: actor.ip, detail: { method: code ? "totp" : "password" } });
}

/** Whether the next sensitive action will have to ask again. */
export function needsReauthentication(actor: Actor, now = Date.now()): boolean {
  return now - actor.reauthenticatedAt.getTime() >= RECENT_AUTH_MS;
}
