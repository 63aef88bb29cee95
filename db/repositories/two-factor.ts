import "server-only";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { recoveryCodes, users, type User } from "@/db/schema";

/* The TOTP state on the user row and the recovery codes. The TOTP secrets themselves are sealed
   in `secrets` (owner "user"), through the vault's secret store. */

export async function findTotpState(db: Executor, userId: string): Promise<{ enabledAt: Date | null; lastStep: number | null } | undefined> {
  const [row] = await db.select({ enabledAt: users.totpEnabledAt, lastStep: users.totpLastStep }).from(users).where(eq(users.id, userId));
  return row;
}

/** TOTP on from now, with the time step of the code that confirmed it. Returns the user. */
export async function enableTotp(db: Executor, userId: string, step: number): Promise<User> {
  const [user] = await db.update(users).set({ totpEnabledAt: sql`now()`, totpLastStep: step }).where(eq(users.id, userId)).returning();
  return user;
}

export async function disableTotp(db: Executor, userId: string): Promise<void> {
  await db.update(users).set({ totpEnabledAt: null, totpLastStep: null }).where(eq(users.id, userId));
}

/** Records `step` as the last accepted one, only if it is later than the stored one: false for a replay or a lost race. */
export async function claimTotpStep(db: Executor, userId: string, step: number): Promise<boolean> {
  const claimed = await db
    .update(users)
    .set({ totpLastStep: step })
    .where(and(eq(users.id, userId), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
    .returning({ id: users.id });
  return claimed.length > 0;
}

export async function countUnusedRecoveryCodes(db: Executor, userId: string): Promise<number> {
  const [{ left }] = await db
    .select({ left: sql<number>`count(*)::int` })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return left;
}

/** Deletes every recovery code of the user and stores these hashes instead. */
export async function replaceRecoveryCodes(db: Executor, userId: string, codeHashes: string[]): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  if (codeHashes.length) await db.insert(recoveryCodes).values(codeHashes.map((codeHash) => ({ userId, codeHash })));
}

export async function deleteRecoveryCodes(db: Executor, userId: string): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}

/** Uses up the unused recovery code with this hash; false when there is none (so only one request wins). */
export async function useRecoveryCode(db: Executor, userId: string, codeHash: string): Promise<boolean> {
  const used = await db
    .update(recoveryCodes)
    .set({ usedAt: sql`now()` })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, codeHash), isNull(recoveryCodes.usedAt)))
    .returning({ id: recoveryCodes.id });
  return used.length > 0;
}
