import "server-only";
import crypto from "node:crypto";
import { and, desc, eq, gt, isNull, ne, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { organisations, sessions, users } from "@/db/schema";
import { env } from "@/lib/env";
import { NotFoundError, UserInputError } from "@/lib/errors";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";

/** A session is alive while used within the idle limit and younger than the absolute lifetime. */
function aliveCondition() {
  const { SESSION_IDLE_MINUTES, SESSION_ABSOLUTE_HOURS } = env();
  return and(
    isNull(sessions.revokedAt),
    gt(sessions.lastSeenAt, sql`now() - make_interval(mins => ${SESSION_IDLE_MINUTES})`),
    gt(sessions.createdAt, sql`now() - make_interval(hours => ${SESSION_ABSOLUTE_HOURS})`),
  );
}

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
 * The gate every signed-in request passes: the session row must exist, be unrevoked, used within
 * the idle limit (SESSION_IDLE_MINUTES) and younger than the absolute lifetime
 * (SESSION_ABSOLUTE_HOURS); its version must equal the user's (password change, disable and role
 * change bump it), and the user must be enabled. Returns the actor the data-access layer
 * authorises against.
 *
 * The liveness check and the "last seen" touch are one conditional UPDATE on the database clock,
 * on every request: the idle rule is exact (no once-a-minute lag that would end sessions early or
 * late) and two instances with different clocks agree.
 */
export async function resolveSessionActor(sessionId: string, ip: string | null): Promise<Actor | null> {
  const db = await getDb();
  const touched = await db
    .update(sessions)
    .set({ lastSeenAt: sql`now()` })
    .where(and(eq(sessions.id, sessionId), aliveCondition()))
    .returning({ id: sessions.id });
  if (!touched.length) {
    // Expired by idleness or age: mark it ended so it leaves the active-session list for good.
    await revokeSession(sessionId);
    return null;
  }
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

/** Sessions are listed and addressed by this handle: the id itself is a credential and stays on the server. */
export function sessionHandle(sessionId: string): string {
  return crypto.createHash("sha256").update(sessionId, "utf8").digest("base64url").slice(0, 22);
}

export interface ActiveSession {
  handle: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  current: boolean;
}

/** The actor's own live sessions, most recently used first. */
export async function listOwnSessions(actor: Actor): Promise<ActiveSession[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: sessions.id, ip: sessions.ip, userAgent: sessions.userAgent, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .where(and(eq(sessions.userId, actor.userId), aliveCondition()))
    .orderBy(desc(sessions.lastSeenAt));
  return rows.map(({ id, ...rest }) => ({ ...rest, handle: sessionHandle(id), current: id === actor.sessionId }));
}

/** Signs out one of the actor's own sessions (another user's handle is simply not found). */
export async function revokeOwnSession(actor: Actor, handle: string): Promise<{ wasCurrent: boolean }> {
  const db = await getDb();
  const own = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, actor.userId), isNull(sessions.revokedAt)));
  const target = own.find((row) => sessionHandle(row.id) === handle);
  if (!target) throw new NotFoundError("session");
  await revokeSession(target.id);
  await recordAudit({ actor, organisationId: actor.organisationId, action: "session.revoked", target: actor.email, result: "success", ip: actor.ip, detail: { session: handle } });
  return { wasCurrent: target.id === actor.sessionId };
}

/** "Sign out everywhere else": every session of the actor but this one. */
export async function revokeOtherSessions(actor: Actor): Promise<number> {
  const db = await getDb();
  const others = and(eq(sessions.userId, actor.userId), ne(sessions.id, actor.sessionId));
  const ended = await db.update(sessions).set({ revokedAt: sql`now()` }).where(and(others, aliveCondition())).returning({ id: sessions.id });
  // Already-expired leftovers are closed too, without counting as "signed out".
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(and(others, isNull(sessions.revokedAt)));
  await recordAudit({ actor, organisationId: actor.organisationId, action: "session.revoked_others", target: actor.email, result: "success", ip: actor.ip, detail: { count: ended.length } });
  return ended.length;
}

/** How long a password or code entry counts as fresh for sensitive actions. */
export const FRESH_AUTH_MS = 5 * 60_000;

/**
 * The data-access side of fresh authentication: sensitive writes (API tokens, role changes) check
 * the session row itself, so no caller can skip the prompt. Actions call
 * requireRecentAuthentication (lib/auth/recent-auth.ts) first, which refreshes the row.
 */
export async function assertRecentlyAuthenticated(actor: Actor): Promise<void> {
  const db = await getDb();
  const [row] = await db
    .select({ fresh: sql<boolean>`${sessions.reauthenticatedAt} > now() - make_interval(secs => ${FRESH_AUTH_MS / 1000})` })
    .from(sessions)
    .where(eq(sessions.id, actor.sessionId));
  if (!row?.fresh) throw new UserInputError("For your security, confirm it is you: enter your portal password or a code from your authenticator app.", "currentPassword");
}
