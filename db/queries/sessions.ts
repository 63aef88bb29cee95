import "server-only";
import crypto from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { organisations, sessions, users } from "@/db/schema";
import type { Actor } from "./actor";

export async function createSession(userId: string, meta: { ip: string | null; userAgent: string | null }): Promise<string> {
  const db = await getDb();
  const id = crypto.randomBytes(32).toString("base64url");
  const [user] = await db.select({ sessionVersion: users.sessionVersion }).from(users).where(eq(users.id, userId));
  await db.insert(sessions).values({
    id,
    userId,
    sessionVersion: user.sessionVersion,
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
  });
  return id;
}

/**
 * The gate every signed-in request passes: the session row must exist and be unrevoked, its
 * version must equal the user's (password change, disable and role change bump it), and the user
 * must be enabled. Returns the actor the data-access layer authorises against.
 */
export async function resolveSessionActor(sessionId: string, ip: string | null): Promise<Actor | null> {
  const db = await getDb();
  const [row] = await db
    .select({
      session: sessions,
      user: users,
      organisationStatus: organisations.status,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(organisations, eq(organisations.id, users.organisationId))
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
  if (!row) return null;
  if (row.user.disabledAt) return null;
  // A forced password reset closes the portal to the user until the new password is set.
  if (row.user.mustChangePassword) return null;
  if (row.session.sessionVersion !== row.user.sessionVersion) return null;
  if (Date.now() - row.session.lastSeenAt.getTime() > 60_000) {
    await db.update(sessions).set({ lastSeenAt: sql`now()` }).where(eq(sessions.id, sessionId));
  }
  return {
    userId: row.user.id,
    email: row.user.email,
    name: row.user.name,
    role: row.user.role,
    organisationId: row.user.organisationId,
    organisationStatus: row.organisationStatus ?? null,
    isOrgAdmin: row.user.isOrgAdmin,
    sessionId,
    reauthenticatedAt: row.session.reauthenticatedAt,
    ip,
  };
}

export async function revokeSession(sessionId: string): Promise<void> {
  const db = await getDb();
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** Ends every session of the user at once (their next request is refused). */
export async function bumpSessionVersion(userId: string): Promise<void> {
  const db = await getDb();
  await db.update(users).set({ sessionVersion: sql`${users.sessionVersion} + 1` }).where(eq(users.id, userId));
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

export async function markReauthenticated(sessionId: string): Promise<void> {
  const db = await getDb();
  await db.update(sessions).set({ reauthenticatedAt: sql`now()` }).where(eq(sessions.id, sessionId));
}
