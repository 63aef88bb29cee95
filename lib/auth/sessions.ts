import "server-only";
import crypto from "node:crypto";
import { getDb } from "@/db/client";
import { inTransaction, type Executor } from "@/db/executor";
import * as repo from "@/db/repositories/sessions";
import { env } from "@/lib/env";
import { NotFoundError, UserInputError } from "@/lib/errors";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";

function lifetime(): repo.SessionLifetime {
  const { SESSION_IDLE_MINUTES, SESSION_ABSOLUTE_HOURS } = env();
  return { idleMinutes: SESSION_IDLE_MINUTES, absoluteHours: SESSION_ABSOLUTE_HOURS };
}

/**
 * Establishes an actor: the session of a user whose sign-in just succeeded (request facts: the
 * user the sign-in proved, ip, user agent). Sign-in passes its transaction so the session commits
 * with the sign-in's audit row.
 */
export async function createSession(userId: string, meta: { ip: string | null; userAgent: string | null }, executor?: Executor): Promise<string> {
  const id = crypto.randomBytes(32).toString("base64url");
  await repo.insertSessionForUser(executor ?? (await getDb()), { id, userId, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 300) ?? null });
  return id;
}

/**
 * Establishes the actor from the session cookie's id (request facts: session id, ip). The gate
 * every signed-in request passes: the session row must exist, be unrevoked, used within the idle
 * limit (SESSION_IDLE_MINUTES) and younger than the absolute lifetime (SESSION_ABSOLUTE_HOURS); its
 * version must equal the user's (password change, disable and role change bump it), and the user
 * must be enabled. Returns the actor the services authorise against.
 *
 * The liveness check and the "last seen" touch are one conditional UPDATE on the database clock,
 * on every request: the idle rule is exact (no once-a-minute lag that would end sessions early or
 * late) and two instances with different clocks agree.
 */
export async function resolveSessionActor(sessionId: string, ip: string | null): Promise<Actor | null> {
  const db = await getDb();
  if (!(await repo.touchLiveSession(db, sessionId, lifetime()))) {
    // Expired by idleness or age: mark it ended so it leaves the active-session list for good.
    await repo.revokeSessionById(db, sessionId);
    return null;
  }
  const row = await repo.findOpenSessionWithUser(db, sessionId);
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
    organisationStatus: row.organisationStatus,
    isOrgAdmin: row.user.isOrgAdmin,
    sessionId,
    reauthenticatedAt: row.session.reauthenticatedAt,
    ip,
  };
}

/** Sign-out: ends the session the cookie names (request fact: its id), whoever it belongs to. */
export async function revokeSession(sessionId: string): Promise<void> {
  await repo.revokeSessionById(await getDb(), sessionId);
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
  const rows = await repo.listLiveSessionsOfUser(await getDb(), actor.userId, lifetime());
  return rows.map(({ id, ...rest }) => ({ ...rest, handle: sessionHandle(id), current: id === actor.sessionId }));
}

/** Signs out one of the actor's own sessions (another user's handle is simply not found). */
export async function revokeOwnSession(actor: Actor, handle: string): Promise<{ wasCurrent: boolean }> {
  return inTransaction(async (tx) => {
    const target = (await repo.listOpenSessionIdsOfUser(tx, actor.userId)).find((id) => sessionHandle(id) === handle);
    if (!target) throw new NotFoundError("session");
    await repo.revokeSessionById(tx, target);
    await recordAudit({ actor, organisationId: actor.organisationId, action: "session.revoked", target: actor.email, result: "success", ip: actor.ip, detail: { session: handle } }, tx);
    return { wasCurrent: target === actor.sessionId };
  });
}

/** "Sign out everywhere else": every session of the actor but this one. */
export async function revokeOtherSessions(actor: Actor): Promise<number> {
  return inTransaction(async (tx) => {
    const count = await repo.revokeOtherSessionsOfUser(tx, actor.userId, actor.sessionId, lifetime());
    await recordAudit({ actor, organisationId: actor.organisationId, action: "session.revoked_others", target: actor.email, result: "success", ip: actor.ip, detail: { count } }, tx);
    return count;
  });
}

/** How long a password or code entry counts as fresh for sensitive actions. */
export const FRESH_AUTH_MS = 5 * 60_000;

/**
 * The service side of fresh authentication: sensitive writes (API tokens, role changes) check
 * the session row itself, so no caller can skip the prompt. Actions call
 * requireRecentAuthentication (lib/auth/recent-auth.ts) first, which refreshes the row.
 */
export async function assertRecentlyAuthenticated(actor: Actor, executor?: Executor): Promise<void> {
  if (!(await repo.sessionReauthenticatedWithin(executor ?? (await getDb()), actor.sessionId, FRESH_AUTH_MS / 1000))) {
    throw new UserInputError("For your security, confirm it is you: enter your portal password or a code from your authenticator app.", "currentPassword");
  }
}
