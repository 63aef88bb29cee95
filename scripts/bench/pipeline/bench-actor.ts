import { getDatabaseHandle } from "@/db/client";
import { findUserByEmail } from "@/db/repositories/users";
import type { Actor } from "@/lib/auth/actor";
import { createSession, resolveSessionActor } from "@/lib/auth/sessions";

/**
 * The acting user for a bench set-up child, backed by a real session row and resolved the way
 * every request resolves its session: sensitive writes (secrets, tokens) check its fresh
 * authentication as they would for a person.
 */
export async function benchActorFor(email: string, purpose: string): Promise<Actor> {
  const { db } = await getDatabaseHandle();
  const user = await findUserByEmail(db, email);
  if (!user) throw new Error(`no user ${email}: did the portal bootstrap in demo mode?`);
  const actor = await resolveSessionActor(await createSession(user.id, { ip: "127.0.0.1", userAgent: purpose }), "127.0.0.1");
  if (!actor) throw new Error(`the session of ${email} did not resolve (disabled, or a password change pending?)`);
  return actor;
}
