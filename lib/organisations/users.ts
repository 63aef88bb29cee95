import "server-only";
import { asc, eq, ne, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { users, type User, type UserRole } from "@/db/schema";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import { assertCanRead, requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { assertRecentlyAuthenticated, bumpSessionVersion } from "@/lib/auth/sessions";

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Sign-in only: looks a user up before any session exists. */
export async function findUserForSignIn(email: string): Promise<User | undefined> {
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.email, normaliseEmail(email)));
  return user;
}

export async function emailTaken(email: string): Promise<boolean> {
  const db = await getDb();
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.email, normaliseEmail(email)));
  return Boolean(row);
}

export type SafeUser = Omit<User, "passwordHash">;

function withoutSecrets(user: User): SafeUser {
  const { passwordHash: _omit, ...safe } = user;
  void _omit;
  return safe;
}

export async function listOrganisationUsers(actor: Actor, organisationId: string): Promise<SafeUser[]> {
  assertCanRead(actor, organisationId, "organisation");
  const db = await getDb();
  const rows = await db.select().from(users).where(eq(users.organisationId, organisationId)).orderBy(asc(users.createdAt));
  return rows.map(withoutSecrets);
}

export async function listStaffUsers(actor: Actor): Promise<SafeUser[]> {
  requireRole(actor, "admin");
  const db = await getDb();
  const rows = await db.select().from(users).where(ne(users.role, "partner")).orderBy(asc(users.email));
  return rows.map(withoutSecrets);
}

async function loadUserFor(actor: Actor, userId: string): Promise<User> {
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new NotFoundError("user");
  assertCanRead(actor, user.organisationId, "user");
  return user;
}

export async function changeOwnPassword(actor: Actor, newHash: string): Promise<void> {
  const db = await getDb();
  await db
    .update(users)
    .set({ passwordHash: newHash, passwordChangedAt: sql`now()` })
    .where(eq(users.id, actor.userId));
  await bumpSessionVersion(actor.userId);
  await recordAudit({ actor, organisationId: actor.organisationId, action: "user.password_changed", target: actor.email, result: "success", ip: actor.ip });
}

export async function getOwnPasswordHash(actor: Actor): Promise<string | null> {
  const db = await getDb();
  const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, actor.userId));
  return row?.hash ?? null;
}

/** Admins disable anyone but themselves; an org-admin may disable colleagues in their organisation. */
export async function setUserDisabled(actor: Actor, userId: string, disabled: boolean): Promise<void> {
  const target = await loadUserFor(actor, userId);
  const isAdmin = actor.role === "admin";
  const isOwnOrgAdmin = actor.role === "partner" && actor.isOrgAdmin && target.organisationId === actor.organisationId;
  if (!isAdmin && !isOwnOrgAdmin) throw new ForbiddenError();
  if (target.id === actor.userId) throw new UserInputError("You cannot disable your own account.");
  const db = await getDb();
  await db
    .update(users)
    .set({ disabledAt: disabled ? sql`now()` : null })
    .where(eq(users.id, userId));
  if (disabled) await bumpSessionVersion(userId);
  await recordAudit({
    actor,
    organisationId: target.organisationId,
    action: disabled ? "user.disabled" : "user.enabled",
    target: target.email,
    result: "success",
    ip: actor.ip,
  });
}

export async function changeUserRole(
  actor: Actor,
  userId: string,
  change: { role: UserRole; isOrgAdmin?: boolean },
): Promise<void> {
  requireRole(actor, "admin");
  // Granting or removing power is sensitive: the admin proved who they are in the last minutes.
  await assertRecentlyAuthenticated(actor);
  const target = await loadUserFor(actor, userId);
  if (target.id === actor.userId) throw new UserInputError("You cannot change your own role.");
  if (change.role === "partner" && !target.organisationId) {
    throw new UserInputError("Staff accounts have no organisation, so they cannot become partners.");
  }
  if (change.role !== "partner" && target.organisationId) {
    throw new UserInputError("Partner users belong to an organisation; invite a separate staff account instead.");
  }
  const db = await getDb();
  await db
    .update(users)
    .set({ role: change.role, isOrgAdmin: change.role === "partner" ? Boolean(change.isOrgAdmin) : false })
    .where(eq(users.id, userId));
  await bumpSessionVersion(userId);
  await recordAudit({
    actor,
    organisationId: target.organisationId,
    action: "user.role_changed",
    target: target.email,
    result: "success",
    ip: actor.ip,
    detail: { from: { role: target.role, isOrgAdmin: target.isOrgAdmin }, to: change },
  });
}

export async function getUser(actor: Actor, userId: string): Promise<SafeUser> {
  return withoutSecrets(await loadUserFor(actor, userId));
}
