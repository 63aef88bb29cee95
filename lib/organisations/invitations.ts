import "server-only";
import crypto from "node:crypto";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import type { UserRole } from "@/db/schema";
import * as repo from "@/db/repositories/invitations";
import { insertUser, userExistsWithEmail } from "@/db/repositories/users";
import { ForbiddenError, UserInputError } from "@/lib/errors";
import { assertCanRead, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { isUniqueViolation } from "@/db/errors";
import { normaliseEmail } from "@/lib/organisations/users";

const INVITATION_DAYS = 7;

function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/**
 * Admins invite anyone (staff, or partners into an organisation); a partner org-admin invites
 * colleagues into their own organisation only. Returns the raw token once, for the link. The
 * invitation and its audit row commit together.
 */
export async function createInvitation(
  actor: Actor,
  input: { email: string; role: UserRole; organisationId: string | null; isOrgAdmin?: boolean },
): Promise<{ token: string; expiresAt: Date }> {
  if (actor.role === "partner") {
    if (!actor.isOrgAdmin || actor.organisationStatus !== "approved") throw new ForbiddenError("Only your organisation's administrator can invite colleagues.");
    if (input.role !== "partner" || input.organisationId !== actor.organisationId) throw new ForbiddenError();
  } else if (actor.role !== "admin") {
    throw new ForbiddenError();
  }
  if (input.role === "partner" && !input.organisationId) throw new UserInputError("Choose the organisation the partner belongs to.", "organisationId");
  if (input.role !== "partner" && input.organisationId) throw new UserInputError("Staff accounts do not belong to an organisation.", "role");
  const email = normaliseEmail(input.email);
  const token = crypto.randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + INVITATION_DAYS * 86_400_000);
  await inTransaction(async (tx) => {
    if (await userExistsWithEmail(tx, email)) throw new UserInputError("A user with this email already exists.", "email");
    await repo.insertInvitation(tx, {
      organisationId: input.organisationId,
      email,
      role: input.role,
      isOrgAdmin: Boolean(input.isOrgAdmin) && input.role === "partner",
      tokenHash: hashToken(token),
      invitedBy: actor.userId,
      expiresAt,
    });
    await recordAudit({ actor, organisationId: input.organisationId, action: "invitation.created", target: email, result: "success", ip: actor.ip, detail: { role: input.role } }, tx);
  });
  return { token, expiresAt };
}

export async function listOpenInvitations(actor: Actor, organisationId: string) {
  assertCanRead(actor, organisationId, "organisation");
  return repo.listOpenInvitationsOfOrganisation(await getDb(), organisationId);
}

/** Public (request fact: the link's token): what the invitation link shows before the person sets a password. */
export async function findOpenInvitation(token: string) {
  const row = await repo.findOpenInvitationByTokenHash(await getDb(), hashToken(token));
  return row ? { email: row.invitation.email, role: row.invitation.role, organisationName: row.organisationName } : null;
}

/**
 * Establishes a new user from an invitation link (request facts: token, ip). The invitation is
 * spent in the statement that checks it; the user row and the audit row commit with it.
 */
export async function acceptInvitation(token: string, input: { name: string; passwordHash: string }, ip: string | null): Promise<{ email: string }> {
  try {
    const accepted = await inTransaction(async (tx) => {
      const invitation = await repo.acceptOpenInvitation(tx, hashToken(token));
      if (!invitation) return null;
      await insertUser(tx, {
        email: invitation.email,
        name: input.name,
        passwordHash: input.passwordHash,
        role: invitation.role,
        organisationId: invitation.organisationId,
        isOrgAdmin: invitation.isOrgAdmin,
      });
      await recordAudit({ actorEmail: invitation.email, organisationId: invitation.organisationId, action: "invitation.accepted", target: invitation.email, result: "success", ip }, tx);
      return invitation;
    });
    if (!accepted) throw new UserInputError("This invitation link has expired or was already used. Ask for a new one.");
    return { email: accepted.email };
  } catch (error) {
    if (isUniqueViolation(error)) throw new UserInputError("A user with this email already exists. Sign in instead.");
    throw error;
  }
}
