import "server-only";
import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { organisations, recoveryCodes, secrets, users, type User } from "@/db/schema";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import { formatManualKey, hashRecoveryCode, looksLikeRecoveryCode, matchTotpStep, newRecoveryCodes, newTotpSecret, totpQrSvg } from "@/lib/auth/totp";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { revealSecret, storeSecret } from "@/lib/partner-accounts/credentials";
import { bumpSessionVersion } from "@/lib/auth/sessions";

const ownerOf = (userId: string) => ({ kind: "user" as const, id: userId });

/** Admin and support always; partners when their organisation says so. */
export function twoFactorRequirement(user: Pick<User, "role">, organisation: { requireTwoFactor: boolean } | null | undefined): "role" | "organisation" | null {
  if (user.role === "admin" || user.role === "support") return "role";
  if (organisation?.requireTwoFactor) return "organisation";
  return null;
}

async function loadUserWithOrganisation(userId: string) {
  const db = await getDb();
  const [row] = await db
    .select({ user: users, requireTwoFactor: organisations.requireTwoFactor })
    .from(users)
    .leftJoin(organisations, eq(organisations.id, users.organisationId))
    .where(eq(users.id, userId));
  if (!row) throw new NotFoundError("user");
  return { user: row.user, requirement: twoFactorRequirement(row.user, { requireTwoFactor: Boolean(row.requireTwoFactor) }) };
}

/** What sign-in needs to know after a right password: ask for a code, make them enrol, or neither. */
export async function secondFactorStepFor(userId: string): Promise<"verify" | "enrol" | null> {
  const { user, requirement } = await loadUserWithOrganisation(userId);
  if (user.totpEnabledAt) return "verify";
  return requirement ? "enrol" : null;
}

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: Date | null;
  required: "role" | "organisation" | null;
  recoveryCodesLeft: number;
  enrolling: boolean;
}

export async function twoFactorStatus(actor: Actor): Promise<TwoFactorStatus> {
  const { user, requirement } = await loadUserWithOrganisation(actor.userId);
  const db = await getDb();
  const [{ left }] = await db
    .select({ left: sql<number>`count(*)::int` })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, actor.userId), isNull(recoveryCodes.usedAt)));
  const [pending] = await db
    .select({ id: secrets.id })
    .from(secrets)
    .where(and(eq(secrets.ownerKind, "user"), eq(secrets.ownerId, actor.userId), eq(secrets.purpose, "totp_pending")));
  return { enabled: Boolean(user.totpEnabledAt), enabledAt: user.totpEnabledAt, required: requirement, recoveryCodesLeft: left, enrolling: Boolean(pending) };
}

/* ------------------------------------------------------------------ enrolment */

interface PendingEnrolment {
  secret: string;
  recoveryCodes: string[];
}

/**
 * Starts (or restarts) enrolment: a new secret and recovery codes, sealed as "totp_pending" until
 * the first code confirms them. Nothing is active yet. Internal: sign-in's enrol step and the
 * account page (through `startOwnEnrolment`) call it.
 */
export async function beginEnrolment(userId: string): Promise<void> {
  const pending: PendingEnrolment = { secret: newTotpSecret(), recoveryCodes: newRecoveryCodes() };
  await storeSecret(ownerOf(userId), "totp_pending", JSON.stringify(pending), userId);
}

async function readPendingEnrolment(userId: string): Promise<PendingEnrolment | null> {
  const sealed = await revealSecret(ownerOf(userId), "totp_pending");
  return sealed ? (JSON.parse(sealed) as PendingEnrolment) : null;
}

export interface EnrolmentView {
  qrSvg: string;
  manualKey: string;
  recoveryCodes: string[];
}

/**
 * What the enrolment screen shows: only while enrolment is pending, so the secret never reaches
 * the browser again once it is active.
 */
export async function enrolmentView(userId: string, email: string): Promise<EnrolmentView | null> {
  const pending = await readPendingEnrolment(userId);
  if (!pending) return null;
  return { qrSvg: await totpQrSvg(pending.secret, email), manualKey: formatManualKey(pending.secret), recoveryCodes: pending.recoveryCodes };
}

/** Activates the pending secret when the code matches it. Returns false for a wrong code. */
export async function confirmEnrolment(userId: string, code: string, ip: string | null): Promise<boolean> {
  const pending = await readPendingEnrolment(userId);
  if (!pending) throw new UserInputError("There is no two-factor set-up in progress. Start it again.");
  const step = await matchTotpStep(pending.secret, code, null);
  if (step === null) return false;
  const db = await getDb();
  await storeSecret(ownerOf(userId), "totp_secret", pending.secret, userId);
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await db.insert(recoveryCodes).values(pending.recoveryCodes.map((c) => ({ userId, codeHash: hashRecoveryCode(c) })));
  const [user] = await db.update(users).set({ totpEnabledAt: sql`now()`, totpLastStep: step }).where(eq(users.id, userId)).returning();
  await db.delete(secrets).where(and(eq(secrets.ownerKind, "user"), eq(secrets.ownerId, userId), eq(secrets.purpose, "totp_pending")));
  await recordAudit({ actor: { userId, email: user.email, role: user.role }, organisationId: user.organisationId, action: "user.two_factor_enabled", target: user.email, result: "success", ip });
  return true;
}

/** The account page's "set up two-factor": fresh authentication is checked by the caller's action. */
export async function startOwnEnrolment(actor: Actor): Promise<void> {
  const { user } = await loadUserWithOrganisation(actor.userId);
  if (user.totpEnabledAt) throw new UserInputError("Two-factor sign-in is already on for your account.");
  await beginEnrolment(actor.userId);
}

export async function confirmOwnEnrolment(actor: Actor, code: string): Promise<void> {
  if (!(await confirmEnrolment(actor.userId, code, actor.ip))) {
    throw new UserInputError("That code does not match. Check the time on your phone and enter the current 6-digit code.", "code");
  }
}

export async function cancelOwnEnrolment(actor: Actor): Promise<void> {
  const db = await getDb();
  await db.delete(secrets).where(and(eq(secrets.ownerKind, "user"), eq(secrets.ownerId, actor.userId), eq(secrets.purpose, "totp_pending")));
}

/* ------------------------------------------------------------------ verification */

/**
 * Checks a code against the user's active second factor: a TOTP code later than the last one
 * accepted, or an unused recovery code (used up by this call). Both are claimed with one
 * conditional UPDATE, so two requests racing with the same code cannot both win.
 */
export async function verifySecondFactor(userId: string, code: string, options: { allowRecovery: boolean }): Promise<"totp" | "recovery" | null> {
  const db = await getDb();
  const [user] = await db.select({ enabledAt: users.totpEnabledAt, lastStep: users.totpLastStep }).from(users).where(eq(users.id, userId));
  if (!user?.enabledAt) return null;
  if (looksLikeRecoveryCode(code)) {
    if (!options.allowRecovery) return null;
    const used = await db
      .update(recoveryCodes)
      .set({ usedAt: sql`now()` })
      .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, hashRecoveryCode(code)), isNull(recoveryCodes.usedAt)))
      .returning({ id: recoveryCodes.id });
    return used.length ? "recovery" : null;
  }
  const secret = await revealSecret(ownerOf(userId), "totp_secret");
  if (!secret) return null;
  const step = await matchTotpStep(secret, code, user.lastStep ?? null);
  if (step === null) return null;
  const claimed = await db
    .update(users)
    .set({ totpLastStep: step })
    .where(and(eq(users.id, userId), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
    .returning({ id: users.id });
  return claimed.length ? "totp" : null;
}

export async function hasTwoFactor(userId: string): Promise<boolean> {
  const db = await getDb();
  const [row] = await db.select({ enabledAt: users.totpEnabledAt }).from(users).where(eq(users.id, userId));
  return Boolean(row?.enabledAt);
}

/* ------------------------------------------------------------------ management */

async function removeSecondFactor(userId: string): Promise<void> {
  const db = await getDb();
  await db.delete(secrets).where(and(eq(secrets.ownerKind, "user"), eq(secrets.ownerId, userId), inArray(secrets.purpose, ["totp_secret", "totp_pending"])));
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await db.update(users).set({ totpEnabledAt: null, totpLastStep: null }).where(eq(users.id, userId));
}

/** New recovery codes replace all old ones; shown once. Fresh authentication is the caller's. */
export async function regenerateOwnRecoveryCodes(actor: Actor): Promise<string[]> {
  if (!(await hasTwoFactor(actor.userId))) throw new UserInputError("Turn on two-factor sign-in first.");
  const codes = newRecoveryCodes();
  const db = await getDb();
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, actor.userId));
  await db.insert(recoveryCodes).values(codes.map((c) => ({ userId: actor.userId, codeHash: hashRecoveryCode(c) })));
  await recordAudit({ actor, organisationId: actor.organisationId, action: "user.recovery_codes_regenerated", target: actor.email, result: "success", ip: actor.ip });
  return codes;
}

/** Turning it off is refused when the role or the organisation requires it. */
export async function disableOwnTwoFactor(actor: Actor): Promise<void> {
  const { user, requirement } = await loadUserWithOrganisation(actor.userId);
  if (!user.totpEnabledAt) throw new UserInputError("Two-factor sign-in is already off.");
  if (requirement === "role") throw new ForbiddenError("Administrator and support accounts must keep two-factor sign-in on.");
  if (requirement === "organisation") throw new ForbiddenError("Your organisation requires two-factor sign-in for all its users, so it cannot be turned off.");
  await removeSecondFactor(actor.userId);
  await recordAudit({ actor, organisationId: actor.organisationId, action: "user.two_factor_disabled", target: actor.email, result: "success", ip: actor.ip });
}

/**
 * An administrator's reset for a user who lost their authenticator: removes the secret and the
 * recovery codes and ends every session. If 2FA is required, the user enrols again at sign-in.
 */
export async function resetTwoFactor(actor: Actor, userId: string): Promise<{ email: string }> {
  requireRole(actor, "admin");
  if (userId === actor.userId) throw new UserInputError("You cannot reset your own two-factor sign-in; ask another administrator.");
  const db = await getDb();
  const [target] = await db.select().from(users).where(eq(users.id, userId));
  if (!target) throw new NotFoundError("user");
  await removeSecondFactor(userId);
  await bumpSessionVersion(userId);
  await recordAudit({
    actor,
    organisationId: target.organisationId,
    action: "user.two_factor_reset",
    target: target.email,
    result: "success",
    ip: actor.ip,
    detail: { hadTwoFactor: Boolean(target.totpEnabledAt) },
  });
  return { email: target.email };
}

/** An organisation's own administrator (for their organisation) or a portal admin. */
export async function setOrganisationRequiresTwoFactor(actor: Actor, organisationId: string, required: boolean): Promise<void> {
  const isAdmin = actor.role === "admin";
  const isOwnOrgAdmin = actor.role === "partner" && actor.isOrgAdmin && actor.organisationId === organisationId;
  if (!isAdmin && !isOwnOrgAdmin) {
    if (actor.role === "partner" && actor.organisationId !== organisationId) throw new NotFoundError("organisation");
    throw new ForbiddenError("Only your organisation's administrator can change this.");
  }
  const db = await getDb();
  const [organisation] = await db.update(organisations).set({ requireTwoFactor: required }).where(eq(organisations.id, organisationId)).returning({ name: organisations.name });
  if (!organisation) throw new NotFoundError("organisation");
  await recordAudit({
    actor,
    organisationId,
    action: "organisation.two_factor_requirement",
    target: organisation.name,
    result: "success",
    ip: actor.ip,
    detail: { required },
  });
}
