import { eq } from "drizzle-orm";
import { getDatabaseHandle } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import { createSession } from "@/lib/auth/sessions";
import { organisations, users } from "@/db/schema";

/**
 * The acting user for a bench set-up child, backed by a real session row: sensitive writes
 * (secrets, tokens) check its fresh-authentication time as they would for a person.
 */
export async function benchActorFor(email: string, purpose: string): Promise<Actor> {
  const { db } = await getDatabaseHandle();
  const [row] = await db.select({ user: users, organisationStatus: organisations.status }).from(users).leftJoin(organisations, eq(organisations.id, users.organisationId)).where(eq(users.email, email));
  if (!row) throw new Error(`no user ${email}: did the portal bootstrap in demo mode?`);
  return {
    userId: row.user.id,
    email: row.user.email,
    name: row.user.name,
    role: row.user.role,
    organisationId: row.user.organisationId,
    organisationStatus: row.organisationStatus,
    isOrgAdmin: row.user.isOrgAdmin,
    sessionId: await createSession(row.user.id, { ip: "127.0.0.1", userAgent: purpose }),
    reauthenticatedAt: new Date(),
    ip: "127.0.0.1",
  };
}
