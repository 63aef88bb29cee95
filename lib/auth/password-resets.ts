import "server-only";
import crypto from "node:crypto";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { passwordResets, users, type User } from "@/db/schema";
import { hashPassword, passwordProblem } from "@/lib/auth/password";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { clearLimits, countAttempt, limitedUntil, ratePolicies, type LimitSubject } from "@/lib/rate-limits/policies";
import { bumpSessionVersion } from "@/lib/auth/sessions";
import { normaliseEmail } from "@/lib/organisations/users";

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

function newToken(): { token: string; tokenHash: string } {
  const token = crypto.randomBytes(32).toString("base64url");
  return { token, tokenHash: hashToken(token) };
}

/** The link and the text of the email; the mail module (lib/mail) sends it. */
export interface ResetLink {
  userId: string;
  email: string;
  organisationId: string | null;
  token: string;
  expiresAt: Date;
}

async function insertReset(user: Pick<User, "id">, reason: "self_service" | "admin_forced", requestedBy: string | null, ip: string | null, validMs: number) {
  const db = await getDb();
  const { token, tokenHash } = newToken();
  const expiresAt = new Date(Date.now() + validMs);
  await db.insert(passwordResets).values({ userId: user.id, tokenHash, reason, requestedBy, ip, expiresAt });
  return { token, expiresAt };
}

export type ResetRequestOutcome = { issued: ResetLink } | { issued: null; why: "unknown" | "disabled" | "rate_limited" };

/**
 * Self-service "forgot password". Public, so the caller must answer the same whatever this returns:
 * the outcome is for the mail step and the tests, never for the browser. Both limits count every
 * request, for unknown addresses too, so the limit itself reveals nothing about an account.
 */
export async function requestPasswordReset(emailInput: string, ip: string | null): Promise<ResetRequestOutcome> {
  const email = normaliseEmail(emailInput);
  const limits: LimitSubject[] = [
    ["passwordResetAccount", email],
    ["passwordResetIp", ip],
  ];
  const limited = await limitedUntil(...limits);
  if (!limited) await countAttempt(...limits);
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.email, email));
  const audit = (result: "success" | "failure" | "denied", reason?: string) =>
    recordAudit({
      actor: user ? { userId: user.id, email: user.email, role: user.role } : null,
      actorEmail: email,
      organisationId: user?.organisationId,
      action: "auth.password_reset_requested",
      result,
      ip,
      detail: reason ? { reason } : undefined,
    });
  if (limited) {
    await audit("denied", "rate_limited");
    return { issued: null, why: "rate_limited" };
  }
  if (!user) {
    await audit("failure", "unknown_account");
    return { issued: null, why: "unknown" };
  }
  if (user.disabledAt) {
    await audit("failure", "disabled");
    return { issued: null, why: "disabled" };
  }
  const { token, expiresAt } = await insertReset(user, "self_service", null, ip, SELF_SERVICE_RESET_MINUTES * 60_000);
  await audit("success");
  return { issued: { userId: user.id, email: user.email, organisationId: user.organisationId, token, expiresAt } };
}

/**
 * An admin makes a user choose a new password: every session ends now, sign-in is refused until
 * the new password is set through the emailed link.
 */
export async function forcePasswordReset(actor: Actor, userId: string): Promise<ResetLink> {
  requireRole(actor, "admin");
  if (userId === actor.userId) throw new UserInputError("Change your own password on your account page instead.");
  const db = await getDb();
  const [target] = await db.select().from(users).where(eq(users.id, userId));
  if (!target) throw new NotFoundError("user");
  await db.update(users).set({ mustChangePassword: true }).where(eq(users.id, userId));
  const { token, expiresAt } = await insertReset(target, "admin_forced", actor.userId, actor.ip, FORCED_RESET_HOURS * 3_600_000);
  await bumpSessionVersion(userId);
  await recordAudit({ actor, organisationId: target.organisationId, action: "user.password_reset_forced", target: target.email, result: "success", ip: actor.ip });
  return { userId: target.id, email: target.email, organisationId: target.organisationId, token, expiresAt };
}

const openReset = (tokenHash: string) => and(eq(passwordResets.tokenHash, tokenHash), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, sql`now()`));

/** Public: what the reset page shows before the new password is typed. Null for a dead link. */
export async function findOpenPasswordReset(token: string): Promise<{ email: string; reason: "self_service" | "admin_forced" } | null> {
  if (!RESET_TOKEN_PATTERN.test(token)) return null;
  const db = await getDb();
  const [row] = await db
    .select({ email: users.email, reason: passwordResets.reason, disabledAt: users.disabledAt })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .where(openReset(hashToken(token)));
  if (!row || row.disabledAt) return null;
  return { email: row.email, reason: row.reason };
}

export const DEAD_RESET_LINK = "This link has expired or was already used. Request a new one from the sign-in page (Forgot your password?).";

/**
 * Sets the new password through a reset link. The link is spent in the same statement that checks
 * it, so two submissions cannot both succeed; every other open link of the user dies with it, and
 * every session ends.
 */
export async function completePasswordReset(token: string, newPassword: string, ip: string | null): Promise<{ email: string }> {
  const pending = await findOpenPasswordReset(token);
  if (!pending) throw new UserInputError(DEAD_RESET_LINK);
  const problem = passwordProblem(newPassword, { email: pending.email });
  if (problem) throw new UserInputError(problem, "newPassword");
  const passwordHash = await hashPassword(newPassword);
  const db = await getDb();
  const done = await db.transaction(async (tx) => {
    const [spent] = await tx.update(passwordResets).set({ usedAt: sql`now()` }).where(openReset(hashToken(token))).returning();
    if (!spent) return null;
    const [user] = await tx
      .update(users)
      .set({ passwordHash, passwordChangedAt: sql`now()`, mustChangePassword: false })
      .where(and(eq(users.id, spent.userId), isNull(users.disabledAt)))
      .returning();
    if (!user) return null;
    await tx.update(passwordResets).set({ usedAt: sql`now()` }).where(and(eq(passwordResets.userId, user.id), isNull(passwordResets.usedAt)));
    return { user, reason: spent.reason };
  });
  if (!done) throw new UserInputError(DEAD_RESET_LINK);
  await bumpSessionVersion(done.user.id);
  // The owner of the mailbox proved who they are: a sign-in lock from earlier guesses no longer applies.
  await clearLimits(["signInAccount", done.user.email]);
  await recordAudit({
    actor: { userId: done.user.id, email: done.user.email, role: done.user.role },
    organisationId: done.user.organisationId,
    action: "user.password_reset_completed",
    target: done.user.email,
    result: "success",
    ip,
    detail: { reason: done.reason },
  });
  return { email: done.user.email };
}
