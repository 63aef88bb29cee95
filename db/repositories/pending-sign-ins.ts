import "server-only";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { pendingSignIns, users, type PendingSignIn, type User } from "@/db/schema";

const open = (tokenHash: string) =>
  and(eq(pendingSignIns.tokenHash, tokenHash), isNull(pendingSignIns.burnedAt), isNull(pendingSignIns.completedAt), gt(pendingSignIns.expiresAt, sql`now()`));

/** Burns the user's pending sign-ins that are neither completed nor burned yet. */
export async function burnOpenPendingSignInsOfUser(db: Executor, userId: string): Promise<void> {
  await db
    .update(pendingSignIns)
    .set({ burnedAt: sql`now()` })
    .where(and(eq(pendingSignIns.userId, userId), isNull(pendingSignIns.completedAt), isNull(pendingSignIns.burnedAt)));
}

export async function insertPendingSignIn(
  db: Executor,
  values: { tokenHash: string; userId: string; step: PendingSignIn["step"]; ip: string | null; userAgent: string | null; validMinutes: number },
): Promise<void> {
  const { validMinutes, ...row } = values;
  await db.insert(pendingSignIns).values({ ...row, expiresAt: sql`now() + make_interval(mins => ${validMinutes})` });
}

/** The open (not expired, burned or completed) pending sign-in with this token hash, and its user. */
export async function findOpenPendingSignIn(db: Executor, tokenHash: string): Promise<{ pending: PendingSignIn; user: User } | undefined> {
  const [row] = await db.select({ pending: pendingSignIns, user: users }).from(pendingSignIns).innerJoin(users, eq(users.id, pendingSignIns.userId)).where(open(tokenHash));
  return row;
}

/** Counts a wrong code, burning the row at `maxFailures`; returns the failures so far, or undefined when it was not open. */
export async function countWrongCode(db: Executor, tokenHash: string, maxFailures: number): Promise<number | undefined> {
  const [row] = await db
    .update(pendingSignIns)
    .set({
      failedAttempts: sql`${pendingSignIns.failedAttempts} + 1`,
      burnedAt: sql`CASE WHEN ${pendingSignIns.failedAttempts} + 1 >= ${maxFailures} THEN now() ELSE NULL END`,
    })
    .where(and(eq(pendingSignIns.tokenHash, tokenHash), isNull(pendingSignIns.burnedAt), isNull(pendingSignIns.completedAt)))
    .returning({ failedAttempts: pendingSignIns.failedAttempts });
  return row?.failedAttempts;
}

/** Marks the open pending sign-in completed; false when it was not open (so only one request wins). */
export async function completeOpenPendingSignIn(db: Executor, tokenHash: string): Promise<boolean> {
  const done = await db.update(pendingSignIns).set({ completedAt: sql`now()` }).where(open(tokenHash)).returning({ userId: pendingSignIns.userId });
  return done.length > 0;
}
