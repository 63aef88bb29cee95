import "server-only";
import { and, desc, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { invitations, organisations, type Invitation } from "@/db/schema";

export type NewInvitation = typeof invitations.$inferInsert;

const open = () => and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, sql`now()`));

export async function insertInvitation(db: Executor, values: NewInvitation): Promise<void> {
  await db.insert(invitations).values(values);
}

export async function listOpenInvitationsOfOrganisation(db: Executor, organisationId: string): Promise<Array<Pick<Invitation, "id" | "email" | "expiresAt" | "createdAt">>> {
  return db
    .select({ id: invitations.id, email: invitations.email, expiresAt: invitations.expiresAt, createdAt: invitations.createdAt })
    .from(invitations)
    .where(and(eq(invitations.organisationId, organisationId), open()))
    .orderBy(desc(invitations.createdAt));
}

/** The open invitation with this token hash and its organisation's name (null for staff). */
export async function findOpenInvitationByTokenHash(db: Executor, tokenHash: string): Promise<{ invitation: Invitation; organisationName: string | null } | undefined> {
  const [row] = await db
    .select({ invitation: invitations, organisationName: organisations.name })
    .from(invitations)
    .leftJoin(organisations, eq(organisations.id, invitations.organisationId))
    .where(and(eq(invitations.tokenHash, tokenHash), open()));
  return row;
}

/** Marks the open invitation accepted; undefined when it was not open (so only one request wins). */
export async function acceptOpenInvitation(db: Executor, tokenHash: string): Promise<Invitation | undefined> {
  const [row] = await db
    .update(invitations)
    .set({ acceptedAt: sql`now()` })
    .where(and(eq(invitations.tokenHash, tokenHash), open()))
    .returning();
  return row;
}

/** Whether `email` (as stored) has an open invitation to become portal staff (admin or support). */
export async function hasOpenStaffInvitation(db: Executor, email: string): Promise<boolean> {
  const [row] = await db
    .select({ id: invitations.id })
    .from(invitations)
    .where(and(eq(invitations.email, email), ne(invitations.role, "partner"), open()))
    .limit(1);
  return Boolean(row);
}
