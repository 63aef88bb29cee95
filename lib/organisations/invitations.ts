import "server-only";
import crypto from "node:crypto";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { invitations, organisations, users, type UserRole } from "@/db/schema";
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
 * colleagues into their own organisation only. Returns the raw token once, for the link.
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
  const db = await getDb();
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (existing) throw new UserInputError("A user with this email already exists.", "email");
  const token = crypto.randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + INVITATION_DAYS * 86_400_000);
  await db.insert(invitations).values({
    organisationId: input.organisationId,
    email,
    role: input.role,
    isOrgAdmin: Boolean(input.isOrgAdmin) && input.role === "partner",
    tokenHash: hashToken(token),
    invitedBy: actor.userId,
    expiresAt,
  });
  await recordAudit({ actor, organisationId: input.organisationId, action: "invitation.created", target: email, result: "success", ip: actor.ip, detail: { role: input.role } });
  return { token, expiresAt };
}

export async function listOpenInvitations(actor: Actor, organisationId: string) {
  assertCanRead(actor, organisationId, "organisation");
  const db = await getDb();
  return db
    .select({ id: invitations.id, email: invitations.email, expiresAt: invitations.expiresAt, createdAt: invitations.createdAt })
    .from(invitations)
    .where(and(eq(invitations.organisationId, organisationId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, sql`now()`)))
    .orderBy(desc(invitations.createdAt));
}

/** Public: what the invitation link shows before the person sets a password. */
export async function findOpenInvitation(token: string) {
  const db = await getDb();
  const [row] = await db
    .select({ invitation: invitations, organisationName: organisations.name })
    .from(invitations)
    .leftJoin(organisations, eq(organisations.id, invitations.organisationId))
    .where(and(eq(invitations.tokenHash, hashToken(token)), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, sql`now()`)));
  return row ? { email: row.invitation.email, role: row.invitation.role, organisationName: row.organisationName } : null;
}

export async function acceptInvitation(token: string, input: { name: string; passwordHash: string }, ip: string | null): Promise<{ email: string }> {
  const db = await getDb();
  try {
    const accepted = await db.transaction(async (tx) => {
      const [invitation] = await tx
        .update(invitations)
        .set({ acceptedAt: sql`now()` })
        .where(and(eq(invitations.tokenHash, hashToken(token)), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, sql`now()`)))
        .returning();
      if (!invitation) return null;
      await tx.insert(users).values({
        email: invitation.email,
        name: input.name,
        passwordHash: input.passwordHash,
        role: invitation.role,
        organisationId: invitation.organisationId,
        isOrgAdmin: invitation.isOrgAdmin,
        passwordChangedAt: sql`now()`,
      });
      return invitation;
    });
    if (!accepted) throw new UserInputError("This invitation link has expired or was already used. Ask for a new one.");
    await recordAudit({ actorEmail: accepted.email, organisationId: accepted.organisationId, action: "invitation.accepted", target: accepted.email, result: "success", ip });
    return { email: accepted.email };
  } catch (error) {
    if (isUniqueViolation(error)) throw new UserInputError("A user with this email already exists. Sign in instead.");
    throw error;
  }
}
