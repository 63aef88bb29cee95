import "server-only";
import crypto from "node:crypto";
import { getDb } from "@/db/client";
import type { Executor } from "@/db/executor";
import * as repo from "@/db/repositories/pending-sign-ins";
import type { PendingSignIn, User } from "@/db/schema";

/*
 * The state between the two steps of sign-in. Nobody is signed in yet: these are steps of the
 * entry points that establish an actor (lib/auth/authenticate.ts, lib/auth/second-factor.ts), so
 * they take the request facts (the pending token, or the user the password step just proved) and
 * the entry point's transaction.
 */

/** How long the code page waits for the second step. */
export const PENDING_SIGN_IN_MINUTES = 10;
/** Wrong codes one pending sign-in survives; the fifth burns it and the user starts over. */
export const PENDING_SIGN_IN_MAX_FAILURES = 5;

const hashToken = (token: string) => crypto.createHash("sha256").update(token, "utf8").digest("hex");

/**
 * Records a right password whose second factor is still owed. Returns the token for the browser's
 * HttpOnly cookie; the database keeps only its hash. Earlier open attempts of the user are closed.
 */
export async function createPendingSignIn(userId: string, step: PendingSignIn["step"], meta: { ip: string | null; userAgent: string | null }, executor?: Executor): Promise<string> {
  const db = executor ?? (await getDb());
  const token = crypto.randomBytes(32).toString("base64url");
  await repo.burnOpenPendingSignInsOfUser(db, userId);
  await repo.insertPendingSignIn(db, {
    tokenHash: hashToken(token),
    userId,
    step,
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
    validMinutes: PENDING_SIGN_IN_MINUTES,
  });
  return token;
}

/** The open pending sign-in for a token (not expired, burned or completed), with its user. */
export async function findPendingSignIn(token: string | undefined | null, executor?: Executor): Promise<{ pending: PendingSignIn; user: User } | null> {
  if (!token || token.length > 100) return null;
  const row = await repo.findOpenPendingSignIn(executor ?? (await getDb()), hashToken(token));
  if (!row || row.user.disabledAt) return null;
  return row;
}

/** Counts a wrong code; the fifth burns the pending sign-in. Returns the attempts left (0 = burned). */
export async function recordWrongCode(token: string, executor?: Executor): Promise<number> {
  const failed = await repo.countWrongCode(executor ?? (await getDb()), hashToken(token), PENDING_SIGN_IN_MAX_FAILURES);
  return failed === undefined ? 0 : Math.max(0, PENDING_SIGN_IN_MAX_FAILURES - failed);
}

/** Claims the pending sign-in for one session, once: a second request with the same token gets false. */
export async function completePendingSignIn(token: string, executor?: Executor): Promise<boolean> {
  return repo.completeOpenPendingSignIn(executor ?? (await getDb()), hashToken(token));
}
