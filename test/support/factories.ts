import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { organisations, users, type UserRole } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { createSession, resolveSessionActor } from "@/lib/auth/sessions";
import { hashPassword } from "@/lib/auth/password";

export const TEST_PASSWORD = "correct horse battery staple 42";
let passwordHash: Promise<string> | undefined;

export async function createOrganisation(status: "pending" | "approved" | "rejected" = "approved", name = `Org ${crypto.randomUUID().slice(0, 6)}`) {
  const db = await getDb();
  const [organisation] = await db
    .insert(organisations)
    .values({ name, submitterId: crypto.randomBytes(4).toString("hex").toUpperCase(), status, contactName: "Casey Contact", contactEmail: "casey@example.com", contactPhone: "+1 555 0100" })
    .returning();
  return organisation;
}

export async function createUser(spec: { role: UserRole; organisationId?: string | null; isOrgAdmin?: boolean; email?: string }) {
  const db = await getDb();
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const [user] = await db
    .insert(users)
    .values({
      email: spec.email ?? `${spec.role}-${crypto.randomUUID().slice(0, 8)}@example.com`,
      name: `Test ${spec.role}`,
      role: spec.role,
      organisationId: spec.organisationId ?? null,
      isOrgAdmin: spec.isOrgAdmin ?? false,
      passwordHash: await passwordHash,
    })
    .returning();
  return user;
}

/** Signs the user in the way the portal does (a session row) and returns the resolved actor. */
export async function actorFor(userId: string): Promise<Actor> {
  const sessionId = await createSession(userId, { ip: "127.0.0.1", userAgent: "vitest" });
  const actor = await resolveSessionActor(sessionId, "127.0.0.1");
  if (!actor) throw new Error("session did not resolve");
  return actor;
}

export async function partnerIn(status: "pending" | "approved" = "approved", options: { isOrgAdmin?: boolean } = {}) {
  const organisation = await createOrganisation(status);
  const user = await createUser({ role: "partner", organisationId: organisation.id, isOrgAdmin: options.isOrgAdmin ?? true });
  return { organisation, user, actor: await actorFor(user.id) };
}

export async function staff(role: "admin" | "support") {
  const user = await createUser({ role });
  return { user, actor: await actorFor(user.id) };
}

export async function reloadUser(userId: string) {
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  return user;
}
