import "server-only";
import { getDb } from "@/db/client";
import { inTransaction, type Executor } from "@/db/executor";
import type { User } from "@/db/schema";
import { findSealedSecret } from "@/db/repositories/secrets";
import { endEverySessionOfUser } from "@/db/repositories/sessions";
import * as repo from "@/db/repositories/two-factor";
import { findUserById, findUserWithTwoFactorRule } from "@/db/repositories/users";
import { setRequireTwoFactor } from "@/db/repositories/organisations";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import { formatManualKey, hashRecoveryCode, looksLikeRecoveryCode, matchTotpStep, newRecoveryCodes, newTotpSecret, totpQrSvg } from "@/lib/auth/totp";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { deleteSecret, revealSecret, storeSecret } from "@/lib/vault/secret-store";
import { findPendingSignIn } from "@/lib/auth/pending-sign-ins";

const ownerOf = (userId: string) => ({ kind: "user" as const, id: userId });

/** Admin and support always; partners when their organisation says so. */
export function twoFactorRequirement(user: Pick<User, "role">, organisation: { requireTwoFactor: boolean } | null | undefined): "role" | "organisation" | null {
  if (user.role === "admin" || user.role === "support") return "role";
  if (organisation?.requireTwoFactor) return "organisation";
  return null;
}

async function loadUserWithRequirement(db: Executor, userId: string) {
  const row = await findUserWithTwoFactorRule(db, userId);
  if (!row) throw new NotFoundError("user");
  return { user: row.user, requirement: twoFactorRequirement(row.user, { requireTwoFactor: row.organisationRequiresTwoFactor }) };
}

/*
 * Functions below that take a user id instead of an actor are steps of the sign-in entry points
 * (lib/auth/authenticate.ts, lib/auth/second-factor.ts), which establish the actor: they act for
 * the user the password step proved, inside the entry point's transaction when it passes one.
 */

/** Sign-in step: after a right password, ask for a code, make the user enrol, or neither. */
export async function secondFactorStepFor(userId: string, executor?: Executor): Promise<"verify" | "enrol" | null> {
  const { user, requirement } = await loadUserWithRequirement(executor ?? (await getDb()), userId);
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
  const db = await getDb();
  const { user, requirement } = await loadUserWithRequirement(db, actor.userId);
  const left = await repo.countUnusedRecoveryCodes(db, actor.userId);
  const pending = await findSealedSecret(db, ownerOf(actor.userId), "totp_pending");
  return { enabled: Boolean(user.totpEnabledAt), enabledAt: user.totpEnabledAt, required: requirement, recoveryCodesLeft: left, enrolling: Boolean(pending) };
}

/* ------------------------------------------------------------------ enrolment */

interface PendingEnrolment {
  secret: string;
  recoveryCodes: string[];
}

/**
 * Sign-in step (and the account page's start, through `startOwnEnrolment`): a new secret and
 * recovery codes, sealed as "totp_pending" until the first code confirms them. Nothing is active yet.
 */
export async function beginEnrolment(userId: string, executor?: Executor): Promise<void> {
  const pending: PendingEnrolment = { secret: newTotpSecret(), recoveryCodes: newRecoveryCodes() };
  await storeSecret(ownerOf(userId), "totp_pending", JSON.stringify(pending), userId, executor ?? (await getDb()));
}

async function readPendingEnrolment(db: Executor, userId: string): Promise<PendingEnrolment | null> {
  const sealed = await revealSecret(ownerOf(userId), "totp_pending", db);
  return sealed ? (JSON.parse(sealed) as PendingEnrolment) : null;
}

export interface EnrolmentView {
  qrSvg: string;
  manualKey: string;
  recoveryCodes: string[];
}

async function viewOf(userId: string, email: string): Promise<EnrolmentView | null> {
  const pending = await readPendingEnrolment(await getDb(), userId);
  if (!pending) return null;
  return { qrSvg: await totpQrSvg(pending.secret, email), manualKey: formatManualKey(pending.secret), recoveryCodes: pending.recoveryCodes };
}

/**
 * What the account page's enrolment screen shows: only while enrolment is pending, so the secret
 * never reaches the browser again once it is active.
 */
export async function enrolmentView(actor: Actor): Promise<EnrolmentView | null> {
  return viewOf(actor.userId, actor.email);
}

/** Sign-in step: the enrolment screen of a pending sign-in whose user must enrol (request fact: its token). */
export async function pendingSignInEnrolmentView(pendingToken: string | undefined | null): Promise<EnrolmentView | null> {
  const found = await findPendingSignIn(pendingToken);
  if (!found || found.pending.step !== "enrol") return null;
  return viewOf(found.user.id, found.user.email);
}

/**
 * The pending secret becomes the active one when the code matches it: the sealed secret, the new
 * recovery codes, the user's TOTP state, the pending secret's removal and the audit row commit
 * together. Returns false for a wrong code (nothing is written).
 */
async function confirmPendingEnrolment(tx: Executor, userId: string, code: string, ip: string | null): Promise<boolean> {
  const pending = await readPendingEnrolment(tx, userId);
  if (!pending) throw new UserInputError("There is no two-factor set-up in progress. Start it again.");
  const step = await matchTotpStep(pending.secret, code, null);
  if (step === null) return false;
  await storeSecret(ownerOf(userId), "totp_secret", pending.secret, userId, tx);
  await repo.replaceRecoveryCodes(tx, userId, pending.recoveryCodes.map(hashRecoveryCode));
  const user = await repo.enableTotp(tx, userId, step);
  await deleteSecret(ownerOf(userId), "totp_pending", tx);
  await recordAudit({ actor: { userId, email: user.email, role: user.role }, organisationId: user.organisationId, action: "user.two_factor_enabled", target: user.email, result: "success", ip }, tx);
  return true;
}

/** Sign-in step: a user who must enrol confirms the new authenticator with its first code. */
export async function confirmEnrolment(userId: string, code: string, ip: string | null, executor?: Executor): Promise<boolean> {
  return executor ? confirmPendingEnrolment(executor, userId, code, ip) : inTransaction((tx) => confirmPendingEnrolment(tx, userId, code, ip));
}

/** The account page's "set up two-factor": fresh authentication is checked by the caller's action. */
export async function startOwnEnrolment(actor: Actor): Promise<void> {
  await inTransaction(async (tx) => {
    const { user } = await loadUserWithRequirement(tx, actor.userId);
    if (user.totpEnabledAt) throw new UserInputError("Two-factor sign-in is already on for your account.");
    await beginEnrolment(actor.userId, tx);
  });
}

export async function confirmOwnEnrolment(actor: Actor, code: string): Promise<void> {
  if (!(await inTransaction((tx) => confirmPendingEnrolment(tx, actor.userId, code, actor.ip)))) {
    throw new UserInputError("That code does not match. Check the time on your phone and enter the current 6-digit code.", "code");
  }
}

export async function cancelOwnEnrolment(actor: Actor): Promise<void> {
  await deleteSecret(ownerOf(actor.userId), "totp_pending");
}

/* ------------------------------------------------------------------ verification */

/**
 * Sign-in step: checks a code against the user's active second factor: a TOTP code later than the
 * last one accepted, or an unused recovery code (used up by this call). Both are claimed with one
 * conditional UPDATE, so two requests racing with the same code cannot both win.
 */
export async function verifySecondFactor(userId: string, code: string, options: { allowRecovery: boolean }, executor?: Executor): Promise<"totp" | "recovery" | null> {
  const db = executor ?? (await getDb());
  const state = await repo.findTotpState(db, userId);
  if (!state?.enabledAt) return null;
  if (looksLikeRecoveryCode(code)) {
    if (!options.allowRecovery) return null;
    return (await repo.useRecoveryCode(db, userId, hashRecoveryCode(code))) ? "recovery" : null;
  }
  const secret = await revealSecret(ownerOf(userId), "totp_secret", db);
  if (!secret) return null;
  const step = await matchTotpStep(secret, code, state.lastStep ?? null);
  if (step === null) return null;
  return (await repo.claimTotpStep(db, userId, step)) ? "totp" : null;
}

/** The fresh-authentication prompt: a current TOTP code of the actor's own authenticator (recovery codes are not accepted). */
export async function verifyOwnTotpCode(actor: Actor, code: string, executor?: Executor): Promise<boolean> {
  return (await verifySecondFactor(actor.userId, code, { allowRecovery: false }, executor)) === "totp";
}

/* ------------------------------------------------------------------ management */

async function removeSecondFactor(tx: Executor, userId: string): Promise<void> {
  await deleteSecret(ownerOf(userId), "totp_secret", tx);
  await deleteSecret(ownerOf(userId), "totp_pending", tx);
  await repo.deleteRecoveryCodes(tx, userId);
  await repo.disableTotp(tx, userId);
}

/** New recovery codes replace all old ones; shown once. Fresh authentication is the caller's. */
export async function regenerateOwnRecoveryCodes(actor: Actor): Promise<string[]> {
  const codes = newRecoveryCodes();
  await inTransaction(async (tx) => {
    if (!(await repo.findTotpState(tx, actor.userId))?.enabledAt) throw new UserInputError("Turn on two-factor sign-in first.");
    await repo.replaceRecoveryCodes(tx, actor.userId, codes.map(hashRecoveryCode));
    await recordAudit({ actor, organisationId: actor.organisationId, action: "user.recovery_codes_regenerated", target: actor.email, result: "success", ip: actor.ip }, tx);
  });
  return codes;
}

/** Turning it off is refused when the role or the organisation requires it. */
export async function disableOwnTwoFactor(actor: Actor): Promise<void> {
  await inTransaction(async (tx) => {
    const { user, requirement } = await loadUserWithRequirement(tx, actor.userId);
    if (!user.totpEnabledAt) throw new UserInputError("Two-factor sign-in is already off.");
    if (requirement === "role") throw new ForbiddenError("Administrator and support accounts must keep two-factor sign-in on.");
    if (requirement === "organisation") throw new ForbiddenError("Your organisation requires two-factor sign-in for all its users, so it cannot be turned off.");
    await removeSecondFactor(tx, actor.userId);
    await recordAudit({ actor, organisationId: actor.organisationId, action: "user.two_factor_disabled", target: actor.email, result: "success", ip: actor.ip }, tx);
  });
}

/**
 * An administrator's reset for a user who lost their authenticator: removes the secret and the
 * recovery codes and ends every session. If 2FA is required, the user enrols again at sign-in.
 */
export async function resetTwoFactor(actor: Actor, userId: string): Promise<{ email: string }> {
  requireRole(actor, "admin");
  if (userId === actor.userId) throw new UserInputError("You cannot reset your own two-factor sign-in; ask another administrator.");
  return inTransaction(async (tx) => {
    const target = await findUserById(tx, userId);
    if (!target) throw new NotFoundError("user");
    await removeSecondFactor(tx, userId);
    await endEverySessionOfUser(tx, userId);
    await recordAudit(
      {
        actor,
        organisationId: target.organisationId,
        action: "user.two_factor_reset",
        target: target.email,
        result: "success",
        ip: actor.ip,
        detail: { hadTwoFactor: Boolean(target.totpEnabledAt) },
      },
      tx,
    );
    return { email: target.email };
  });
}

/** An organisation's own administrator (for their organisation) or a portal admin. */
export async function setOrganisationRequiresTwoFactor(actor: Actor, organisationId: string, required: boolean): Promise<void> {
  const isAdmin = actor.role === "admin";
  const isOwnOrgAdmin = actor.role === "partner" && actor.isOrgAdmin && actor.organisationId === organisationId;
  if (!isAdmin && !isOwnOrgAdmin) {
    if (actor.role === "partner" && actor.organisationId !== organisationId) throw new NotFoundError("organisation");
    throw new ForbiddenError("Only your organisation's administrator can change this.");
  }
  await inTransaction(async (tx) => {
    const organisation = await setRequireTwoFactor(tx, organisationId, required);
    if (!organisation) throw new NotFoundError("organisation");
    await recordAudit({ actor, organisationId, action: "organisation.two_factor_requirement", target: organisation.name, result: "success", ip: actor.ip, detail: { required } }, tx);
  });
}
