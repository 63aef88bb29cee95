import "server-only";
import crypto from "node:crypto";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { pendingSignIns, users, type PendingSignIn, type User } from "@/db/schema";

/** How long the code page waits for the second step. */
export const PENDING_SIGN_IN_MINUTES = 10;
/** Wrong codes one pending sign-in survives; the fifth burns it and the user starts over. */
export const PENDING_SIGN_IN_MAX_FAILURES = 5;

const hashToken = (token: string) => crypto.createHash("sha256").update(token, "utf8").digest("hex");

/**
 * Records a right password whose second factor is still owed. Returns the token for the browser's
 * HttpOnly cookie; the database keeps only its hash. Earlier open attempts of the user are closed.
 */
export async function createPendingSignIn(userId: string, step: PendingSignIn["step"], meta: { ip: string | null; userAgent: string | null }): Promise<string> {
  const db = await getDb();
  const token = crypto.randomBytes(32).toString("base64url");
  await db
    .update(pendingSignIns)
    .set({ burnedAt: sql`now()` })
    .where(and(eq(pendingSignIns.userId, userId), isNull(pendingSignIns.completedAt), isNull(pendingSignIns.burnedAt)));
  await db.insert(pendingSignIns).values({
    tokenHash: hashToken(token),
    userId,
    step,
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
    expiresAt: sql`now() + make_interval(mins => ${PENDING_SIGN_IN_MINUTES})`,
  });
  return token;
}

/** The open pending sign-in for a token (not expired, burned or completed), with its user. */
export async function findPendingSignIn(token: string | undefined | null): Promise<{ pending: PendingSignIn; user: User } | null> {
  if (!token || token.length > 100) return null;
  const db = await getDb();
  const [row] = await db
    .select({ pending: pendingSignIns, user: users })
    .from(pendingSignIns)
    .innerJoin(users, eq(users.id, pendingSignIns.userId))
    .where(
      and(
        eq(pendingSignIns.tokenHash, hashToken(token)),
        isNull(pendingSignIns.burnedAt),
        isNull(pendingSignIns.completedAt),
        gt(pendingSignIns.expiresAt, sql`now()`),
      ),
    );
  if (!row || row.user.disabledAt) return null;
  return row;
}

/** Counts a wrong code; the fifth burns the pending sign-in. Returns the attempts left (0 = burned). */
export async function recordWrongCode(token: string): Promise<number> {
  const db = await getDb();
  const [row] = await db
    .update(pendingSignIns)
    .set({
      failedAttempts: sql`${pendingSignIns.failedAttempts} + 1`,
      burnedAt: sql`CASE WHEN ${pendingSignIns.failedAttempts} + 1 >= ${PENDING_SIGN_IN_MAX_FAILURES} THEN now() ELSE NULL END`,
    })
    .where(and(eq(pendingSignIns.tokenHash, hashToken(token)), isNull(pendingSignIns.burnedAt), isNull(pendingSignIns.completedAt)))
    .returning({ failedAttempts: pendingSignIns.failedAttempts });
  return row ? Math.max(0, PENDING_SIGN_IN_MAX_FAILURES - row.failedAttempts) : 0;
}

/** Claims the pending sign-in for one session, once: a second request with the same token gets false. */
export async function completePendingSignIn(token: string): Promise<boolean> {
  const db = await getDb();
  const done = await db
    .update(pendingSignIns)
    .set({ completedAt: sql`now()` })
    .where(and(eq(pendingSignIns.tokenHash, hashToken(token)), isNull(pendingSignIns.burnedAt), isNull(pendingSignIns.completedAt), gt(pendingSignIns.expiresAt, sql`now()`)))
    .returning({ userId: pendingSignIns.userId });
  return done.length > 0;
}
