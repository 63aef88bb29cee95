import "server-only";
import { and, desc, eq, gte, ilike, lt, or, type SQL } from "drizzle-orm";
import { getDb } from "@/db/client";
import { mailMessages, type MailMessage } from "@/db/schema";
import { requireRole, type Actor } from "./actor";

export interface NewMail {
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  kind: string;
  organisationId?: string | null;
  /** Same key twice → one message. */
  dedupeKey?: string | null;
  /**
   * The body carries a one-time link (invitation, password reset). Once SMTP has taken it, the stored
   * copy is replaced so the mail log cannot be used to take over an account.
   */
  sensitive?: boolean;
}

export const WITHHELD_BODY = "[Body withheld after sending: it contained a one-time link.]";

/** Records the message; returns null when the dedupe key says it was already sent. */
export async function insertMail(mail: NewMail): Promise<MailMessage | null> {
  const db = await getDb();
  const [row] = await db
    .insert(mailMessages)
    .values({
      toAddress: mail.to,
      subject: mail.subject,
      textBody: mail.text,
      htmlBody: mail.html ?? null,
      kind: mail.kind,
      organisationId: mail.organisationId ?? null,
      dedupeKey: mail.dedupeKey ?? null,
      sensitive: mail.sensitive ?? false,
    })
    .onConflictDoNothing({ target: mailMessages.dedupeKey })
    .returning();
  return row ?? null;
}

export async function markMailOutcome(id: string, outcome: { status: "sent" | "captured" | "failed"; error?: string | null; withholdBody?: boolean }): Promise<void> {
  const db = await getDb();
  const [row] = await db.select({ attempts: mailMessages.attempts }).from(mailMessages).where(eq(mailMessages.id, id));
  await db
    .update(mailMessages)
    .set({
      status: outcome.status,
      error: outcome.error ?? null,
      attempts: (row?.attempts ?? 0) + 1,
      sentAt: outcome.status === "failed" ? null : new Date(),
      ...(outcome.withholdBody ? { textBody: WITHHELD_BODY, htmlBody: null } : {}),
    })
    .where(eq(mailMessages.id, id));
}

/** Messages whose sending failed and should be tried again. */
export async function listFailedMail(limit = 50): Promise<MailMessage[]> {
  const db = await getDb();
  return db.select().from(mailMessages).where(and(eq(mailMessages.status, "failed"), lt(mailMessages.attempts, 5))).orderBy(mailMessages.createdAt).limit(limit);
}

export interface MailFilter {
  to?: string;
  since?: Date;
  limit?: number;
}

/** The demo capture inbox and the admin's mail log. */
export async function listMail(actor: Actor, filter: MailFilter = {}): Promise<MailMessage[]> {
  requireRole(actor, "admin");
  const db = await getDb();
  const conditions: SQL[] = [];
  if (filter.to) {
    const pattern = `%${filter.to.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(ilike(mailMessages.toAddress, pattern), ilike(mailMessages.subject, pattern))!);
  }
  if (filter.since) conditions.push(gte(mailMessages.createdAt, filter.since));
  return db
    .select()
    .from(mailMessages)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(mailMessages.createdAt))
    .limit(Math.min(filter.limit ?? 100, 500));
}

export async function getMail(actor: Actor, id: string): Promise<MailMessage | null> {
  requireRole(actor, "admin");
  const db = await getDb();
  const [row] = await db.select().from(mailMessages).where(eq(mailMessages.id, id));
  return row ?? null;
}
