import "server-only";
import { and, desc, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { organisations, sessions, users, type Session, type User } from "@/db/schema";

/** The two session lifetimes (the service reads them from the configuration). */
export interface SessionLifetime {
  idleMinutes: number;
  absoluteHours: number;
}

/** Unrevoked, used within the idle limit and younger than the absolute lifetime, on the database clock. */
function alive(lifetime: SessionLifetime) {
  return and(
    isNull(sessions.revokedAt),
    gt(sessions.lastSeenAt, sql`now() - make_interval(mins => ${lifetime.idleMinutes})`),
    gt(sessions.createdAt, sql`now() - make_interval(hours => ${lifetime.absoluteHours})`),
  );
}

/** A session carrying the user's current session version (read in the same statement). */
export async function insertSessionForUser(db: Executor, values: { id: string; userId: string; ip: string | null; userAgent: string | null }): Promise<void> {
  await db.insert(sessions).values({
    ...values,
    sessionVersion: sql`(select ${users.sessionVersion} from ${users} where ${users.id} = ${values.userId})`,
  });
}

/** Marks a live session as used now; false when it is not alive (expired, revoked or unknown). */
export async function touchLiveSession(db: Executor, sessionId: string, lifetime: SessionLifetime): Promise<boolean> {
  const touched = await db
    .update(sessions)
    .set({ lastSeenAt: sql`now()` })
    .where(and(eq(sessions.id, sessionId), alive(lifetime)))
    .returning({ id: sessions.id });
  return touched.length > 0;
}

/** An unrevoked session with its user and the user's organisation status. */
export async function findOpenSessionWithUser(
  db: Executor,
  sessionId: string,
): Promise<{ session: Session; user: User; organisationStatus: "pending" | "approved" | "rejected" | null } | undefined> {
  const [row] = await db
    .select({ session: sessions, user: users, organisationStatus: organisations.status })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(organisations, eq(organisations.id, users.organisationId))
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
  return row ? { ...row, organisationStatus: row.organisationStatus ?? null } : undefined;
}

export async function revokeSessionById(db: Executor, sessionId: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** Ends every session of the user: the version bump refuses them even if a revocation were missed. */
export async function endEverySessionOfUser(db: Executor, userId: string): Promise<void> {
  await db.update(users).set({ sessionVersion: sql`${users.sessionVersion} + 1` }).where(eq(users.id, userId));
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

export async function markSessionReauthenticated(db: Executor, sessionId: string): Promise<void> {
  await db.update(sessions).set({ reauthenticatedAt: sql`now()` }).where(eq(sessions.id, sessionId));
}

/** Ends the session's fresh mark: the next sensitive action asks for the password or a code again. */
export async function clearSessionReauthentication(db: Executor, sessionId: string): Promise<void> {
  await db.update(sessions).set({ reauthenticatedAt: new Date(0) }).where(eq(sessions.id, sessionId));
}

/** Whether the session's last password or code entry is younger than `seconds` (database clock). */
export async function sessionReauthenticatedWithin(db: Executor, sessionId: string, seconds: number): Promise<boolean> {
  const [row] = await db
    .select({ fresh: sql<boolean>`${sessions.reauthenticatedAt} > now() - make_interval(secs => ${seconds})` })
    .from(sessions)
    .where(eq(sessions.id, sessionId));
  return Boolean(row?.fresh);
}

export type SessionListing = Pick<Session, "id" | "ip" | "userAgent" | "createdAt" | "lastSeenAt">;

/** The user's live sessions, most recently used first. */
export async function listLiveSessionsOfUser(db: Executor, userId: string, lifetime: SessionLifetime): Promise<SessionListing[]> {
  return db
    .select({ id: sessions.id, ip: sessions.ip, userAgent: sessions.userAgent, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), alive(lifetime)))
    .orderBy(desc(sessions.lastSeenAt));
}

export async function listOpenSessionIdsOfUser(db: Executor, userId: string): Promise<string[]> {
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  return rows.map((row) => row.id);
}

/**
 * Revokes every other unrevoked session of the user; returns how many of them were still alive
 * (the expired leftovers are closed too, without counting).
 */
export async function revokeOtherSessionsOfUser(db: Executor, userId: string, keepSessionId: string, lifetime: SessionLifetime): Promise<number> {
  const others = and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId));
  const ended = await db.update(sessions).set({ revokedAt: sql`now()` }).where(and(others, alive(lifetime))).returning({ id: sessions.id });
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(and(others, isNull(sessions.revokedAt)));
  return ended.length;
}
