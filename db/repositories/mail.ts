import "server-only";
import { and, desc, eq, gte, ilike, or, sql, type SQL } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { mailMessages, type MailMessage } from "@/db/schema";
import { containsPattern } from "@/db/like-pattern";

export interface MailRow {
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody: string | null;
  kind: string;
  organisationId: string | null;
  dedupeKey: string | null;
  sensitive: boolean;
}

/** Inserts a message leased for `leaseSeconds`; null when its dedupe key exists already. */
export async function insertMailRow(db: Executor, mail: MailRow, leaseSeconds: number): Promise<MailMessage | null> {
  const [row] = await db
    .insert(mailMessages)
    .values({ ...mail, nextAttemptAt: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .onConflictDoNothing({ target: mailMessages.dedupeKey })
    .returning();
  return row ?? null;
}

export async function findMailAttempts(db: Executor, id: string): Promise<number> {
  const [row] = await db.select({ attempts: mailMessages.attempts }).from(mailMessages).where(eq(mailMessages.id, id));
  return row?.attempts ?? 0;
}

export async function updateMailOutcome(
  db: Executor,
  id: string,
  outcome: { status: "sent" | "captured" | "failed"; error: string | null; attempts: number; retryInSeconds: number | null; withheldBody?: string },
): Promise<void> {
  await db
    .update(mailMessages)
    .set({
      status: outcome.status,
      error: outcome.error,
      attempts: outcome.attempts,
      sentAt: outcome.status === "failed" ? null : new Date(),
      nextAttemptAt: outcome.retryInSeconds === null ? null : sql`now() + make_interval(secs => ${outcome.retryInSeconds})`,
      ...(outcome.withheldBody !== undefined ? { textBody: outcome.withheldBody, htmlBody: null } : {}),
    })
    .where(eq(mailMessages.id, id));
}

/**
 * Leases messages that are due for another try (failed, or left "queued" by a process that died
 * mid-send) in one statement: a second worker running at the same moment skips them.
 */
export async function leaseDueMail(db: Executor, limit: number, leaseSeconds: number): Promise<MailMessage[]> {
  return db
    .update(mailMessages)
    .set({ nextAttemptAt: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where(
      sql`${mailMessages.id} IN (
        SELECT id FROM mail_messages
         WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= now() AND status IN ('failed', 'queued')
         ORDER BY next_attempt_at
         LIMIT ${limit}
         FOR UPDATE SKIP LOCKED)`,
    )
    .returning();
}

export async function listMailRows(db: Executor, filter: { search?: string; since?: Date; limit: number }): Promise<MailMessage[]> {
  const conditions: SQL[] = [];
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    conditions.push(or(ilike(mailMessages.toAddress, pattern), ilike(mailMessages.subject, pattern))!);
  }
  if (filter.since) conditions.push(gte(mailMessages.createdAt, filter.since));
  return db
    .select()
    .from(mailMessages)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(mailMessages.createdAt))
    .limit(filter.limit);
}

export async function findMail(db: Executor, id: string): Promise<MailMessage | undefined> {
  const [row] = await db.select().from(mailMessages).where(eq(mailMessages.id, id));
  return row;
}
