import "server-only";
import { getDb } from "@/db/client";
import { inTransaction, type Executor } from "@/db/executor";
import type { Organisation } from "@/db/schema";
import * as repo from "@/db/repositories/organisations";
import { insertUser, userExistsWithEmail } from "@/db/repositories/users";
import { NotFoundError } from "@/lib/errors";
import { assertCanRead, requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { isUniqueViolation } from "@/db/errors";
import { normaliseEmail } from "@/lib/organisations/users";
import { recordNotificationEvent } from "@/lib/notifications/outbox";
import { notifySoon } from "@/lib/notifications/queue";

export interface RegistrationInput {
  organisationName: string;
  submitterId: string;
  contactName: string;
  email: string;
  phone: string;
  passwordHash: string;
}

/** A new pending organisation and its first user; or the address had an account already, and nothing was created. */
export type RegistrationOutcome = { outcome: "created"; organisationId: string; userId: string } | { outcome: "existing_account" };

/**
 * Self-registration (public; it establishes a new user, so it takes the request facts: the form
 * and the ip): a pending organisation and its first user, who becomes its org-admin. Both rows and
 * the audit row commit together. An address that already has an account gets no second one; the
 * caller answers the same either way (lib/organisations/registration.ts), so the outcome is for
 * the mail step and the tests only. A new registration also writes a "registration.submitted"
 * outbox event in the same transaction: every administrator gets an email about it (sent after the
 * commit by the notification dispatcher).
 */
export async function createRegistration(input: RegistrationInput, ip: string | null): Promise<RegistrationOutcome> {
  const email = normaliseEmail(input.email);
  // The audit log is for admins only: it may say what really happened.
  const refused = async (executor: Executor | undefined) => {
    await recordAudit({ actorEmail: email, action: "registration.submitted", target: input.organisationName, result: "failure", ip, detail: { reason: "email_in_use" } }, executor);
    return { outcome: "existing_account" as const };
  };
  try {
    const outcome = await inTransaction(async (tx): Promise<RegistrationOutcome> => {
      if (await userExistsWithEmail(tx, email)) return refused(tx);
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
      await recordNotificationEvent(tx, { type: "registration.submitted", organisationId: organisation.id });
      return { outcome: "created", organisationId: organisation.id, userId: user.id };
    });
    if (outcome.outcome === "created") notifySoon();
    return outcome;
  } catch (error) {
    // Two registrations of one new address at once: the second meets the first's user at insert.
    if (isUniqueViolation(error)) return refused(undefined);
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

/** Another organisation that shares a pending registration's name or submitter ID. */
export interface DuplicateOrganisation {
  id: string;
  name: string;
  submitterId: string;
  status: Organisation["status"];
  sameName: boolean;
  sameSubmitterId: boolean;
}

/** Names compare the way people read them: case and runs of spaces aside (as the repository's query does). */
function comparableName(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

/**
 * The review queue: pending registrations, oldest first, each with the other organisations
 * (approved, pending or rejected) that already use its name or submitter ID, so the admin sees a
 * likely duplicate or impostor before deciding.
 */
export async function listRegistrationsForReview(actor: Actor): Promise<Array<Organisation & { duplicates: DuplicateOrganisation[] }>> {
  requireRole(actor, "admin");
  const db = await getDb();
  const pending = await repo.listOrganisationsByStatus(db, "pending", 200);
  const others = await repo.findOrganisationsByComparableNameOrSubmitterId(
    db,
    [...new Set(pending.map((o) => comparableName(o.name)))],
    [...new Set(pending.map((o) => o.submitterId.toUpperCase()))],
  );
  return pending.map((registration) => {
    // Each registration matches itself: its name as the database compares it.
    const ownName = others.find((o) => o.id === registration.id)?.comparableName ?? comparableName(registration.name);
    return {
      ...registration,
      duplicates: others
        .filter((other) => other.id !== registration.id)
        .map((other) => ({
          id: other.id,
          name: other.name,
          submitterId: other.submitterId,
          status: other.status,
          sameName: other.comparableName === ownName,
          sameSubmitterId: other.submitterId.toUpperCase() === registration.submitterId.toUpperCase(),
        }))
        .filter((other) => other.sameName || other.sameSubmitterId),
    };
  });
}

/** Approved organisations still without a partner account: the admin's next step for each (on the Registrations page). */
export async function listApprovedAwaitingAccounts(actor: Actor): Promise<Organisation[]> {
  requireRole(actor, "admin");
  return repo.listApprovedWithoutPartnerAccounts(await getDb(), 50);
}

/** The admin navigation's badge: how many registrations wait for a decision (one COUNT on an index). */
export async function countPendingRegistrations(actor: Actor): Promise<number> {
  requireRole(actor, "admin");
  return repo.countOrganisationsByStatus(await getDb(), "pending");
}

/**
 * Approves or rejects a pending registration. The decision, its audit row and the outbox event that
 * emails the organisation's contacts (approved, or rejected with the reason) commit together.
 */
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
    await recordNotificationEvent(tx, { type: decision.approve ? "registration.approved" : "registration.rejected", organisationId });
  });
  notifySoon();
}

export async function searchOrganisations(actor: Actor, search?: string): Promise<Array<Organisation & { userCount: number }>> {
  requireRole(actor, "admin", "support");
  return repo.searchOrganisationsWithUserCount(await getDb(), search, 200);
}

export { organisationSorts, type OrganisationSort } from "@/db/repositories/organisations";

/** One page of the organisation list (admin and support), sorted by a whitelisted column, with the total. */
export async function listOrganisationsPage(
  actor: Actor,
  query: { search?: string; sort: repo.OrganisationSort; direction: "asc" | "desc"; page: number; pageSize: number },
): Promise<{ rows: Array<Organisation & { userCount: number }>; total: number }> {
  requireRole(actor, "admin", "support");
  const pageSize = Math.min(Math.max(1, query.pageSize), 200);
  return repo.listOrganisationsWithUserCount(await getDb(), { search: query.search, sort: query.sort, direction: query.direction, offset: (Math.max(1, query.page) - 1) * pageSize, limit: pageSize });
}
