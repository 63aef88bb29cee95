import "server-only";
import { and, asc, eq, isNotNull, isNull, lte, ne, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { organisations, users, type User, type UserRole } from "@/db/schema";

export type NewUser = typeof users.$inferInsert;

export async function findUserById(db: Executor, userId: string): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  return user;
}

/** `email` as stored: lower-cased and trimmed by the caller. */
export async function findUserByEmail(db: Executor, email: string): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.email, email));
  return user;
}

export async function userExistsWithEmail(db: Executor, email: string): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  return Boolean(row);
}

/** The user with their organisation's own two-factor rule (false without an organisation). */
export async function findUserWithTwoFactorRule(db: Executor, userId: string): Promise<{ user: User; organisationRequiresTwoFactor: boolean } | undefined> {
  const [row] = await db
    .select({ user: users, requireTwoFactor: organisations.requireTwoFactor })
    .from(users)
    .leftJoin(organisations, eq(organisations.id, users.organisationId))
    .where(eq(users.id, userId));
  return row ? { user: row.user, organisationRequiresTwoFactor: Boolean(row.requireTwoFactor) } : undefined;
}

export async function listUsersOfOrganisation(db: Executor, organisationId: string): Promise<User[]> {
  return db.select().from(users).where(eq(users.organisationId, organisationId)).orderBy(asc(users.createdAt));
}

/** Admin and support accounts. */
export async function listStaffUsers(db: Executor): Promise<User[]> {
  return db.select().from(users).where(ne(users.role, "partner")).orderBy(asc(users.email));
}

export async function anyUserHasRole(db: Executor, role: UserRole): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.role, role)).limit(1);
  return Boolean(row);
}

/** A new user; its password counts as changed now (database clock) when it has one. */
export async function insertUser(db: Executor, values: Omit<NewUser, "passwordChangedAt">): Promise<User> {
  const [user] = await db
    .insert(users)
    .values({ ...values, passwordChangedAt: values.passwordHash ? sql`now()` : null })
    .returning();
  return user;
}

/** Inserts the user unless the email is taken already; undefined when it was. */
export async function insertUserUnlessEmailTaken(db: Executor, values: Omit<NewUser, "passwordChangedAt">): Promise<User | undefined> {
  const [user] = await db
    .insert(users)
    .values({ ...values, passwordChangedAt: values.passwordHash ? sql`now()` : null })
    .onConflictDoNothing({ target: users.email })
    .returning();
  return user;
}

export async function findPasswordHash(db: Executor, userId: string): Promise<string | null> {
  const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
  return row?.hash ?? null;
}

/** A chosen password never expires (only a generated first one does). */
export async function setPassword(db: Executor, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash, passwordChangedAt: sql`now()`, passwordExpiresAt: null }).where(eq(users.id, userId));
}

/** A reset link's new password: only for an enabled user, and it lifts a forced reset. Undefined when disabled or gone. */
export async function setPasswordOfEnabledUser(db: Executor, userId: string, passwordHash: string): Promise<User | undefined> {
  const [user] = await db
    .update(users)
    .set({ passwordHash, passwordChangedAt: sql`now()`, mustChangePassword: false, passwordExpiresAt: null })
    .where(and(eq(users.id, userId), isNull(users.disabledAt)))
    .returning();
  return user;
}

/** An admin's forced reset: not a generated first password, so the old one can never choose the new one. */
export async function requirePasswordChange(db: Executor, userId: string): Promise<void> {
  await db.update(users).set({ mustChangePassword: true, passwordExpiresAt: null }).where(eq(users.id, userId));
}

/**
 * Replaces a generated first password nobody has used yet (the bootstrap admin's: a forced change
 * still owed and an expiry set), when `onlyIfExpired` only once that expiry has passed. Undefined
 * when the user has no such password (it was changed meanwhile, or it has not expired).
 */
export async function replaceUnusedFirstPassword(
  db: Executor,
  userId: string,
  values: { passwordHash: string; mustChangePassword: boolean; passwordExpiresAt: Date | null },
  options: { onlyIfExpired: boolean },
): Promise<User | undefined> {
  const [user] = await db
    .update(users)
    .set({ ...values, passwordChangedAt: sql`now()` })
    .where(
      and(
        eq(users.id, userId),
        eq(users.mustChangePassword, true),
        isNotNull(users.passwordExpiresAt),
        options.onlyIfExpired ? lte(users.passwordExpiresAt, sql`now()`) : undefined,
      ),
    )
    .returning();
  return user;
}

export async function setDisabled(db: Executor, userId: string, disabled: boolean): Promise<void> {
  await db
    .update(users)
    .set({ disabledAt: disabled ? sql`now()` : null })
    .where(eq(users.id, userId));
}

export async function setRole(db: Executor, userId: string, role: UserRole, isOrgAdmin: boolean): Promise<void> {
  await db.update(users).set({ role, isOrgAdmin }).where(eq(users.id, userId));
}
