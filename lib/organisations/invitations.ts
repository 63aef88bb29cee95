import "server-only";
import crypto from "node:crypto";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import type { UserRole } from "@/db/schema";
import * as repo from "@/db/repositories/invitations";
import { findUserByEmail, insertUser } from "@/db/repositories/users";
import { findOrganisationById } from "@/db/repositories/organisations";
import { ForbiddenError, UserInputError } from "@/lib/errors";
import { assertCanRead, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { isUniqueViolation } from "@/db/errors";
import { normaliseEmail } from "@/lib/organisations/users";
import { logger } from "@/lib/logger";
import { rateLimitsOn, RateLimitedError, type LimitSubject } from "@/lib/rate-limits/policies";
import { sendInvitationMail } from "@/lib/mail/account-mail";
import { sendInvitationExistingAccountMail } from "@/lib/mail/account-notices";
import type { MailOutcome } from "@/lib/mail/send";

const INVITATION_DAYS = 7;

function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/**
 * What an invitation led to; only `invitation` carries a working link. An organisation's own
 * administrator gets the same answer, and sees the same open invitation, for all three, so the
 * form cannot tell which addresses have accounts (or staff invitations) anywhere on the portal:
 * - invitation: a new address; the link goes to it.
 * - existing_account_notice: the address has an account (in any organisation, or staff). No
 *   second account; its owner gets a neutral note (no organisation or inviter name).
 * - none: the address holds an open staff invitation; nothing is sent, so no organisation's email
 *   can overtake the staff one.
 * The last two store an invitation whose token nobody ever sees.
 */
export type InvitationOutcome =
  | { delivery: "invitation"; email: string; token: string; expiresAt: Date }
  | { delivery: "existing_account_notice" | "none"; email: string; expiresAt: Date };

function authorise(actor: Actor, input: { role: UserRole; organisationId: string | null }) {
  if (actor.role === "partner") {
    if (!actor.isOrgAdmin || actor.organisationStatus !== "approved") throw new ForbiddenError("Only your organisation's administrator can invite colleagues.");
    if (input.role !== "partner" || input.organisationId !== actor.organisationId) throw new ForbiddenError();
  } else if (actor.role !== "admin") {
    throw new ForbiddenError();
  }
  if (input.role === "partner" && !input.organisationId) throw new UserInputError("Choose the organisation the partner belongs to.", "organisationId");
  if (input.role !== "partner" && input.organisationId) throw new UserInputError("Staff accounts do not belong to an organisation.", "role");
}

/**
 * Admins invite anyone (staff, or partners into an organisation); a partner org-admin invites
 * colleagues into their own organisation only, throttled per org-admin and per organisation (every
 * invitation counts, whatever the address). Admins may see every account, so an address that has
 * one is refused to them by name; to an org-admin the answer is the same as for a new address
 * (see InvitationOutcome). The invitation, the throttle counts and the audit row commit together.
 */
export async function createInvitation(
  actor: Actor,
  input: { email: string; role: UserRole; organisationId: string | null; isOrgAdmin?: boolean },
): Promise<InvitationOutcome> {
  authorise(actor, input);
  const email = normaliseEmail(input.email);
  const token = crypto.randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + INVITATION_DAYS * 86_400_000);
  return inTransaction(async (tx) => {
    if (actor.role === "partner") {
      const limits: LimitSubject[] = [
        ["invitationSender", actor.userId],
        ["invitationOrganisation", input.organisationId],
      ];
      const rateLimits = rateLimitsOn(tx);
      const limited = await rateLimits.limitedUntil(...limits);
      if (limited) throw new RateLimitedError(limited, "Too many invitations");
      await rateLimits.countAttempt(...limits);
    }
    const delivery: InvitationOutcome["delivery"] = (await findUserByEmail(tx, email))
      ? "existing_account_notice"
      : input.role === "partner" && (await repo.hasOpenStaffInvitation(tx, email))
        ? "none"
        : "invitation";
    if (actor.role !== "partner" && delivery === "existing_account_notice") throw new UserInputError("A user with this email already exists.", "email");
    if (actor.role !== "partner" && delivery === "none") throw new UserInputError("This address has an open invitation to the portal's staff.", "email");
    await repo.insertInvitation(tx, {
      organisationId: input.organisationId,
      email,
      role: input.role,
      isOrgAdmin: Boolean(input.isOrgAdmin) && input.role === "partner",
      tokenHash: hashToken(token),
      invitedBy: actor.userId,
      expiresAt,
    });
    // The audit log is for admins only, so it may say what really happened.
    await recordAudit({ actor, organisationId: input.organisationId, action: "invitation.created", target: email, result: "success", ip: actor.ip, detail: { role: input.role, delivery } }, tx);
    return delivery === "invitation" ? { delivery, email, token, expiresAt } : { delivery, email, expiresAt };
  });
}

/**
 * Sends what the outcome calls for: the invitation with its link, the neutral note to an existing
 * account, or nothing. Never throws for a delivery problem (the mail log retries it).
 */
export async function mailInvitation(outcome: InvitationOutcome, context: { organisationName: string | null; role: UserRole }): Promise<MailOutcome | null> {
  if (outcome.delivery === "invitation") return sendInvitationMail({ email: outcome.email, token: outcome.token, expiresAt: outcome.expiresAt, ...context });
  if (outcome.delivery === "existing_account_notice") return sendInvitationExistingAccountMail(outcome.email);
  return null;
}

/**
 * An org-admin's "invite a colleague": one answer, with the same timing, whatever the address. The
 * mail goes out in the background, so an SMTP exchange (or its absence) cannot be timed; a failed
 * send stays in the mail log and is retried. `mailSent` is for tests.
 */
export async function inviteColleague(actor: Actor, emailInput: string): Promise<{ message: string; mailSent: Promise<unknown> }> {
  if (!actor.organisationId) throw new ForbiddenError();
  const organisation = await findOrganisationById(await getDb(), actor.organisationId);
  if (!organisation) throw new ForbiddenError();
  const outcome = await createInvitation(actor, { email: emailInput, role: "partner", organisationId: organisation.id });
  const mailSent = mailInvitation(outcome, { organisationName: organisation.name, role: "partner" }).catch((error: unknown) => logger.error("invitation mail failed", { error }));
  return { message: colleagueInvitedMessage(outcome.email, outcome.expiresAt), mailSent };
}

function colleagueInvitedMessage(email: string, expiresAt: Date): string {
  return `Invitation emailed to ${email}. The link works once and expires ${expiresAt.toISOString().slice(0, 10)}. If that address already has an account on the portal, its owner gets a note instead and should contact our support team.`;
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
      // An address on its way to becoming staff never joins an organisation, whichever email came first.
      if (invitation.role === "partner" && (await repo.hasOpenStaffInvitation(tx, invitation.email))) {
        throw new UserInputError("This address has an open invitation to the portal's staff. Use that invitation, or ask our support team.");
      }
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
