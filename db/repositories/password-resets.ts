import "server-only";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { passwordResets, users, type PasswordReset } from "@/db/schema";

export type NewPasswordReset = typeof passwordResets.$inferInsert;

const open = (tokenHash: string) => and(eq(passwordResets.tokenHash, tokenHash), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, sql`now()`));

export async function insertPasswordReset(db: Executor, values: NewPasswordReset): Promise<void> {
  await db.insert(passwordResets).values(values);
}

/** The unused, unexpired reset with this token hash, with its user's email and disabled time. */
export async function findOpenPasswordReset(
  db: Executor,
  tokenHash: string,
): Promise<{ email: string; reason: PasswordReset["reason"]; disabledAt: Date | null } | undefined> {
  const [row] = await db
    .select({ email: users.email, reason: passwordResets.reason, disabledAt: users.disabledAt })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .where(open(tokenHash));
  return row;
}

/** Spends the open reset with this token hash; undefined when it was not open (so only one request wins). */
export async function spendOpenPasswordReset(db: Executor, tokenHash: string): Promise<PasswordReset | undefined> {
  const [row] = await db.update(passwordResets).set({ usedAt: sql`now()` }).where(open(tokenHash)).returning();
  return row;
}

/** Spends every other unused reset of the user. */
export async function spendUnusedPasswordResetsOfUser(db: Executor, userId: string): Promise<void> {
  await db.update(passwordResets).set({ usedAt: sql`now()` }).where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)));
}
