import "server-only";
import { getDb } from "@/db/client";
import { inTransaction, type Executor } from "@/db/executor";
import type { User, UserRole } from "@/db/schema";
import * as repo from "@/db/repositories/users";
import { endEverySessionOfUser } from "@/db/repositories/sessions";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import { assertCanRead, requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { assertRecentlyAuthenticated } from "@/lib/auth/sessions";
import { revokeApiTokensForPassword } from "@/lib/api/tokens";

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Sign-in only (it establishes the actor; request fact: the email as typed): looks a user up before any session exists. */
export async function findUserForSignIn(email: string): Promise<User | undefined> {
  return repo.findUserByEmail(await getDb(), normaliseEmail(email));
}

/** Registration only (public; request fact: the email as typed): whether an account already uses it. */
export async function emailTaken(email: string): Promise<boolean> {
  return repo.userExistsWithEmail(await getDb(), normaliseEmail(email));
}

export type SafeUser = Omit<User, "passwordHash">;

function withoutSecrets(user: User): SafeUser {
  const { passwordHash: _omit, ...safe } = user;
  void _omit;
  return safe;
}

export async function listOrganisationUsers(actor: Actor, organisationId: string): Promise<SafeUser[]> {
  assertCanRead(actor, organisationId, "organisation");
  const rows = await repo.listUsersOfOrganisation(await getDb(), organisationId);
  return rows.map(withoutSecrets);
}

export async function listStaffUsers(actor: Actor): Promise<SafeUser[]> {
  requireRole(actor, "admin");
  const rows = await repo.listStaffUsers(await getDb());
  return rows.map(withoutSecrets);
}

async function loadUserFor(db: Executor, actor: Actor, userId: string): Promise<User> {
  const user = await repo.findUserById(db, userId);
  if (!user) throw new NotFoundError("user");
  assertCanRead(actor, user.organisationId, "user");
  return user;
}

/**
 * The new hash (the caller checked the current password and hashed the new one); every session
 * ends and every API token is revoked with it. The hash, the ended sessions, the revoked tokens
 * and the audit rows commit together.
 */
export async function changeOwnPassword(actor: Actor, newHash: string): Promise<void> {
  await inTransaction(async (tx) => {
    await repo.setPassword(tx, actor.userId, newHash);
    await endEverySessionOfUser(tx, actor.userId);
    const tokensRevoked = await revokeApiTokensForPassword(tx, { id: actor.userId }, { actor, ip: actor.ip }, "password_changed");
    await recordAudit({ actor, organisationId: actor.organisationId, action: "user.password_changed", target: actor.email, result: "success", ip: actor.ip, detail: { tokensRevoked } }, tx);
  });
}

export async function getOwnPasswordHash(actor: Actor): Promise<string | null> {
  return repo.findPasswordHash(await getDb(), actor.userId);
}

/** Admins disable anyone but themselves; an org-admin may disable colleagues in their organisation. */
export async function setUserDisabled(actor: Actor, userId: string, disabled: boolean): Promise<void> {
  await inTransaction(async (tx) => {
    const target = await loadUserFor(tx, actor, userId);
    const isAdmin = actor.role === "admin";
    const isOwnOrgAdmin = actor.role === "partner" && actor.isOrgAdmin && target.organisationId === actor.organisationId;
    if (!isAdmin && !isOwnOrgAdmin) throw new ForbiddenError();
    if (target.id === actor.userId) throw new UserInputError("You cannot disable your own account.");
    await repo.setDisabled(tx, userId, disabled);
    if (disabled) await endEverySessionOfUser(tx, userId);
    await recordAudit(
      {
        actor,
        organisationId: target.organisationId,
        action: disabled ? "user.disabled" : "user.enabled",
        target: target.email,
        result: "success",
        ip: actor.ip,
      },
      tx,
    );
  });
}

export async function changeUserRole(
  actor: Actor,
  userId: string,
  change: { role: UserRole; isOrgAdmin?: boolean },
): Promise<void> {
  requireRole(actor, "admin");
  await inTransaction(async (tx) => {
    // Granting or removing power is sensitive: the admin proved who they are in the last minutes.
    await assertRecentlyAuthenticated(actor, tx);
    const target = await loadUserFor(tx, actor, userId);
    if (target.id === actor.userId) throw new UserInputError("You cannot change your own role.");
    if (change.role === "partner" && !target.organisationId) {
      throw new UserInputError("Staff accounts have no organisation, so they cannot become partners.");
    }
    if (change.role !== "partner" && target.organisationId) {
      throw new UserInputError("Partner users belong to an organisation; invite a separate staff account instead.");
    }
    await repo.setRole(tx, userId, change.role, change.role === "partner" ? Boolean(change.isOrgAdmin) : false);
    await endEverySessionOfUser(tx, userId);
    await recordAudit(
      {
        actor,
        organisationId: target.organisationId,
        action: "user.role_changed",
        target: target.email,
        result: "success",
        ip: actor.ip,
        detail: { from: { role: target.role, isOrgAdmin: target.isOrgAdmin }, to: change },
      },
      tx,
    );
  });
}

export async function getUser(actor: Actor, userId: string): Promise<SafeUser> {
  return withoutSecrets(await loadUserFor(await getDb(), actor, userId));
}
