import "server-only";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import type { Organisation } from "@/db/schema";
import * as repo from "@/db/repositories/organisations";
import { insertUser } from "@/db/repositories/users";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { assertCanRead, requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { isUniqueViolation } from "@/db/errors";
import { normaliseEmail } from "@/lib/organisations/users";

export interface RegistrationInput {
  organisationName: string;
  submitterId: string;
  contactName: string;
  email: string;
  phone: string;
  passwordHash: string;
}

/**
 * Self-registration (public; it establishes a new user, so it takes the request facts: the form
 * and the ip): a pending organisation and its first user, who becomes its org-admin. Both rows and
 * the audit row commit together.
 */
export async function createRegistration(input: RegistrationInput, ip: string | null): Promise<{ organisationId: string; userId: string }> {
  const email = normaliseEmail(input.email);
  try {
    return await inTransaction(async (tx) => {
      const organisation = await repo.insertOrganisation(tx, {
        name: input.organisationName,
        submitterId: input.submitterId,
        contactName: input.contactName,
        contactEmail: email,
        contactPhone: input.phone,
      });
      const user = await insertUser(tx, {
        email,
        name: input.contactName,
        phone: input.phone,
        passwordHash: input.passwordHash,
        role: "partner",
        organisationId: organisation.id,
        isOrgAdmin: true,
      });
      await recordAudit({ actorEmail: email, organisationId: organisation.id, action: "registration.submitted", target: input.organisationName, result: "success", ip }, tx);
      return { organisationId: organisation.id, userId: user.id };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new UserInputError("An account with this email already exists. Sign in instead, or use another email.", "email");
    }
    throw error;
  }
}

export async function getOrganisation(actor: Actor, organisationId: string): Promise<Organisation> {
  assertCanRead(actor, organisationId, "organisation");
  const row = await repo.findOrganisationById(await getDb(), organisationId);
  if (!row) throw new NotFoundError("organisation");
  return row;
}

export async function listRegistrations(actor: Actor, status: Organisation["status"] = "pending"): Promise<Organisation[]> {
  requireRole(actor, "admin");
  return repo.listOrganisationsByStatus(await getDb(), status, 200);
}

/** Approves or rejects a pending registration; the decision and its audit row commit together. */
export async function decideRegistration(
  actor: Actor,
  organisationId: string,
  decision: { approve: true } | { approve: false; reason: string },
): Promise<void> {
  requireRole(actor, "admin");
  await inTransaction(async (tx) => {
    const updated = await repo.decidePendingOrganisation(tx, organisationId, {
      status: decision.approve ? "approved" : "rejected",
      reason: decision.approve ? null : decision.reason,
      decidedBy: actor.userId,
    });
    if (!updated) throw new NotFoundError("pending registration");
    await recordAudit(
      {
        actor,
        organisationId,
        action: decision.approve ? "registration.approved" : "registration.rejected",
        target: updated.name,
        result: "success",
        ip: actor.ip,
        detail: decision.approve ? undefined : { reason: decision.reason },
      },
      tx,
    );
  });
}

export async function searchOrganisations(actor: Actor, search?: string): Promise<Array<Organisation & { userCount: number }>> {
  requireRole(actor, "admin", "support");
  return repo.searchOrganisationsWithUserCount(await getDb(), search, 200);
}
