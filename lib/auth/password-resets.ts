import "server-only";
import crypto from "node:crypto";
import { getDb } from "@/db/client";
import { inTransaction, type Executor } from "@/db/executor";
import type { User } from "@/db/schema";
import * as repo from "@/db/repositories/password-resets";
import { findUserByEmail, findUserById, requirePasswordChange, setPasswordOfEnabledUser } from "@/db/repositories/users";
import { endEverySessionOfUser } from "@/db/repositories/sessions";
import { hashPassword, passwordProblem } from "@/lib/auth/password";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { rateLimitsOn, ratePolicies, type LimitSubject } from "@/lib/rate-limits/policies";
import { normaliseEmail } from "@/lib/organisations/users";
import { revokeApiTokensForPassword } from "@/lib/api/tokens";
import { signInAccountLimit, signInAccountSourceLimit } from "@/lib/auth/sign-in-limits";

/** A self-service link is short-lived: whoever reads the mailbox later should find it dead. */
export const SELF_SERVICE_RESET_MINUTES = 30;
/** An admin-forced reset waits for the user to read their mail, so it lives longer. */
export const FORCED_RESET_HOURS = 24;

/** Reset requests per email address (known or not) and per client IP; counted in the database. */
export const RESET_LIMIT_PER_ACCOUNT = ratePolicies.passwordResetAccount;
export const RESET_LIMIT_PER_IP = ratePolicies.passwordResetIp;

export const RESET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{40,60}$/;

function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/** The link and the text of the email; the mail module (lib/mail) sends it. */
export interface ResetLink {
  userId: string;
  email: string;
  organisationId: string | null;
  token: string;
  expiresAt: Date;
}

async function insertReset(db: Executor, user: Pick<User, "id">, reason: "self_service" | "admin_forced", requestedBy: string | null, ip: string | null, validMs: number) {
  const token = crypto.randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + validMs);
  await repo.insertPasswordReset(db, { userId: user.id, tokenHash: hashToken(token), reason, requestedBy, ip, expiresAt });
  return { token, expiresAt };
}

export type ResetRequestOutcome = { issued: ResetLink } | { issued: null; why: "unknown" | "disabled" | "rate_limited" };

/**
 * Self-service "forgot password" (public; request facts: the email as typed and the ip). The caller
 * must answer the same whatever this returns: the outcome is for the mail step and the tests, never
 * for the browser. Both limits count every request, for unknown addresses too, so the limit itself
 * reveals nothing about an account. The count, the link and the audit row commit together.
 */
export async function requestPasswordReset(emailInput: string, ip: string | null): Promise<ResetRequestOutcome> {
  const email = normaliseEmail(emailInput);
  const limits: LimitSubject[] = [
    ["passwordResetAccount", email],
    ["passwordResetIp", ip],
  ];
  return inTransaction(async (tx) => {
    const rateLimits = rateLimitsOn(tx);
    const limited = await rateLimits.limitedUntil(...limits);
    if (!limited) await rateLimits.countAttempt(...limits);
    const user = await findUserByEmail(tx, email);
    const audit = (result: "success" | "failure" | "denied", reason?: string) =>
      recordAudit(
        {
          actor: user ? { userId: user.id, email: user.email, role: user.role } : null,
          actorEmail: email,
          organisationId: user?.organisationId,
          action: "auth.password_reset_requested",
          result,
          ip,
          detail: reason ? { reason } : undefined,
        },
        tx,
      );
    if (limited) {
      await audit("denied", "rate_limited");
      return { issued: null, why: "rate_limited" as const };
    }
    if (!user) {
      await audit("failure", "unknown_account");
      return { issued: null, why: "unknown" as const };
    }
    if (user.disabledAt) {
      await audit("failure", "disabled");
      return { issued: null, why: "disabled" as const };
    }
    const { token, expiresAt } = await insertReset(tx, user, "self_service", null, ip, SELF_SERVICE_RESET_MINUTES * 60_000);
    await audit("success");
    return { issued: { userId: user.id, email: user.email, organisationId: user.organisationId, token, expiresAt } };
  });
}

/**
 * Sign-in step (lib/auth/authenticate.ts), in its transaction: the right generated first password
 * (the printed bootstrap admin's, users.mustChangePassword with users.passwordExpiresAt) leads
 * straight to the reset page with this short-lived link, so its holder chooses their own password
 * before anything else. The same reset flow as a "forgot password" link: one use, 30 minutes.
 */
export async function issueFirstPasswordChange(tx: Executor, user: Pick<User, "id">, ip: string | null): Promise<string> {
  const { token } = await insertReset(tx, user, "self_service", null, ip, SELF_SERVICE_RESET_MINUTES * 60_000);
  return token;
}

/**
 * An admin makes a user choose a new password: every session ends and every API token is revoked
 * now, sign-in is refused until the new password is set through the emailed link. The flag, the
 * link, the ended sessions, the revoked tokens and the audit rows commit together.
 */
export async function forcePasswordReset(actor: Actor, userId: string): Promise<ResetLink> {
  requireRole(actor, "admin");
  if (userId === actor.userId) throw new UserInputError("Change your own password on your account page instead.");
  return inTransaction(async (tx) => {
    const target = await findUserById(tx, userId);
    if (!target) throw new NotFoundError("user");
    await requirePasswordChange(tx, userId);
    const { token, expiresAt } = await insertReset(tx, target, "admin_forced", actor.userId, actor.ip, FORCED_RESET_HOURS * 3_600_000);
    await endEverySessionOfUser(tx, userId);
    const tokensRevoked = await revokeApiTokensForPassword(tx, target, { actor, ip: actor.ip }, "password_reset_forced");
    await recordAudit({ actor, organisationId: target.organisationId, action: "user.password_reset_forced", target: target.email, result: "success", ip: actor.ip, detail: { tokensRevoked } }, tx);
    return { userId: target.id, email: target.email, organisationId: target.organisationId, token, expiresAt };
  });
}

/** Public (request fact: the link's token): what the reset page shows before the new password is typed. Null for a dead link. */
export async function findOpenPasswordReset(token: string): Promise<{ email: string; reason: "self_service" | "admin_forced" } | null> {
  if (!RESET_TOKEN_PATTERN.test(token)) return null;
  const row = await repo.findOpenPasswordReset(await getDb(), hashToken(token));
  if (!row || row.disabledAt) return null;
  return { email: row.email, reason: row.reason };
}

export const DEAD_RESET_LINK = "This link has expired or was already used. Request a new one from the sign-in page (Forgot your password?).";

/**
 * Establishes who the user is from a reset link (request facts: token, ip) and sets the new
 * password. The link is spent in the same statement that checks it, so two submissions cannot both
 * succeed; in the same transaction every other open link of the user dies, every session ends,
 * every API token is revoked, the sign-in blocks from earlier guesses (the account-wide one, and
 * this address's for the account) are lifted and the audit rows are written.
 */
export async function completePasswordReset(token: string, newPassword: string, ip: string | null): Promise<{ email: string }> {
  const pending = await findOpenPasswordReset(token);
  if (!pending) throw new UserInputError(DEAD_RESET_LINK);
  const problem = passwordProblem(newPassword, { email: pending.email });
  if (problem) throw new UserInputError(problem, "newPassword");
  const passwordHash = await hashPassword(newPassword);
  const done = await inTransaction(async (tx) => {
    const spent = await repo.spendOpenPasswordReset(tx, hashToken(token));
    if (!spent) return null;
    const user = await setPasswordOfEnabledUser(tx, spent.userId, passwordHash);
    // Disabled meanwhile: the link is spent, nothing else changes.
    if (!user) return null;
    await repo.spendUnusedPasswordResetsOfUser(tx, user.id);
    await endEverySessionOfUser(tx, user.id);
    const owner = { userId: user.id, email: user.email, role: user.role };
    const tokensRevoked = await revokeApiTokensForPassword(tx, user, { actor: owner, ip }, "password_reset_completed");
    // The owner of the mailbox proved who they are: sign-in blocks from earlier guesses no longer apply.
    await rateLimitsOn(tx).clearLimits(signInAccountLimit(user.email), signInAccountSourceLimit(user.email, ip));
    await recordAudit(
      {
        actor: owner,
        organisationId: user.organisationId,
        action: "user.password_reset_completed",
        target: user.email,
        result: "success",
        ip,
        detail: { reason: spent.reason, tokensRevoked },
      },
      tx,
    );
    return user;
  });
  if (!done) throw new UserInputError(DEAD_RESET_LINK);
  return { email: done.email };
}
