import "server-only";
import { and, asc, desc, eq, ilike, or, sql, type SQL } from "drizzle-orm";
import { getDb } from "@/db/client";
import { organisations, users, type Organisation } from "@/db/schema";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { assertCanRead, requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { isUniqueViolation } from "@/db/errors";
import { normaliseEmail } from "@/lib/organisations/users";
import { containsPattern } from "@/db/like-pattern";

export interface RegistrationInput {
  organisationName: string;
  submitterId: string;
  contactName: string;
  email: string;
  phone: string;
  passwordHash: string;
}

/** Self-registration: a pending organisation and its first user, who becomes its org-admin. */
export async function createRegistration(input: RegistrationInput, ip: string | null): Promise<{ organisationId: string; userId: string }> {
  const db = await getDb();
  const email = normaliseEmail(input.email);
  try {
    const result = await db.transaction(async (tx) => {
      const [organisation] = await tx
        .insert(organisations)
        .values({
          name: input.organisationName,
          submitterId: input.submitterId,
          contactName: input.contactName,
          contactEmail: email,
          contactPhone: input.phone,
        })
        .returning({ id: organisations.id });
      const [user] = await tx
        .insert(users)
        .values({
          email,
          name: input.contactName,
          phone: input.phone,
          passwordHash: input.passwordHash,
          role: "partner",
          organisationId: organisation.id,
          isOrgAdmin: true,
          passwordChangedAt: sql`now()`,
        })
        .returning({ id: users.id });
      return { organisationId: organisation.id, userId: user.id };
    });
    await recordAudit({
      actorEmail: email,
      organisationId: result.organisationId,
      action: "registration.submitted",
      target: input.organisationName,
      result: "success",
      ip,
    });
    return result;
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new UserInputError("An account with this email already exists. Sign in instead, or use another email.", "email");
    }
    throw error;
  }
}

export async function getOrganisation(actor: Actor, organisationId: string): Promise<Organisation> {
  assertCanRead(actor, organisationId, "organisation");
  const db = await getDb();
  const [row] = await db.select().from(organisations).where(eq(organisations.id, organisationId));
  if (!row) throw new NotFoundError("organisation");
  return row;
}

export async function listRegistrations(actor: Actor, status: Organisation["status"] = "pending"): Promise<Organisation[]> {
  requireRole(actor, "admin");
  const db = await getDb();
  return db
    .select()
    .from(organisations)
    .where(eq(organisations.status, status))
    .orderBy(status === "pending" ? asc(organisations.createdAt) : desc(organisations.decidedAt))
    .limit(200);
}

export async function decideRegistration(
  actor: Actor,
  organisationId: string,
  decision: { approve: true } | { approve: false; reason: string },
): Promise<void> {
  requireRole(actor, "admin");
  const db = await getDb();
  const [updated] = await db
    .update(organisations)
    .set({
      status: decision.approve ? "approved" : "rejected",
      decisionReason: decision.approve ? null : decision.reason,
      decidedAt: sql`now()`,
      decidedBy: actor.userId,
    })
    .where(and(eq(organisations.id, organisationId), eq(organisations.status, "pending")))
    .returning({ id: organisations.id, name: organisations.name });
  if (!updated) throw new NotFoundError("pending registration");
  await recordAudit({
    actor,
    organisationId,
    action: decision.approve ? "registration.approved" : "registration.rejected",
    target: updated.name,
    result: "success",
    ip: actor.ip,
    detail: decision.approve ? undefined : { reason: decision.reason },
  });
}

export async function searchOrganisations(actor: Actor, search?: string): Promise<Array<Organisation & { userCount: number }>> {
  requireRole(actor, "admin", "support");
  const db = await getDb();
  let where: SQL | undefined;
  if (search) {
    const pattern = containsPattern(search);
    where = or(ilike(organisations.name, pattern), ilike(organisations.submitterId, pattern), ilike(organisations.contactEmail, pattern));
  }
  const rows = await db
    .select({ organisation: organisations, userCount: sql<number>`(select count(*)::int from ${users} where ${users.organisationId} = ${organisations.id})` })
    .from(organisations)
    .where(where)
    .orderBy(asc(organisations.name))
    .limit(200);
  return rows.map((r) => ({ ...r.organisation, userCount: r.userCount }));
}
