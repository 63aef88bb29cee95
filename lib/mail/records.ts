import "server-only";
import { and, desc, eq, gte, ilike, or, sql, type SQL } from "drizzle-orm";
import { getDb } from "@/db/client";
import { mailMessages, type MailMessage } from "@/db/schema";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { containsPattern } from "@/db/like-pattern";

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

/**
 * How long a send may be in progress before the retry job takes the message over (the process
 * sending it may have died). Generous: an SMTP exchange takes seconds.
 */
const SEND_LEASE_SECONDS = 600;

export interface RetryPolicy {
  baseSeconds: number;
  maxAttempts: number;
}

/** Seconds before try n+1 after n failed tries: base·2ⁿ⁻¹, plus up to half as much again at random. */
export function mailRetryDelaySeconds(failedAttempts: number, baseSeconds: number, random = Math.random()): number {
  const delay = baseSeconds * 2 ** Math.max(0, failedAttempts - 1);
  return Math.round(delay * (1 + random / 2));
}

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
      nextAttemptAt: sql`now() + make_interval(secs => ${SEND_LEASE_SECONDS})`,
    })
    .onConflictDoNothing({ target: mailMessages.dedupeKey })
    .returning();
  return row ?? null;
}

/**
 * Records how a send went. A failure is scheduled for another try with backoff, until the policy's
 * attempts are used up (then it stays "failed" for good, visible in the mail log).
 */
export async function markMailOutcome(
  id: string,
  outcome: { status: "sent" | "captured" | "failed"; error?: string | null; withholdBody?: boolean },
  retry?: RetryPolicy,
): Promise<void> {
  const db = await getDb();
  const [row] = await db.select({ attempts: mailMessages.attempts }).from(mailMessages).where(eq(mailMessages.id, id));
  const attempts = (row?.attempts ?? 0) + 1;
  const retryIn = outcome.status === "failed" && retry && attempts < retry.maxAttempts ? mailRetryDelaySeconds(attempts, retry.baseSeconds) : null;
  await db
    .update(mailMessages)
    .set({
      status: outcome.status,
      error: outcome.error ?? null,
      attempts,
      sentAt: outcome.status === "failed" ? null : new Date(),
      nextAttemptAt: retryIn === null ? null : sql`now() + make_interval(secs => ${retryIn})`,
      ...(outcome.withholdBody ? { textBody: WITHHELD_BODY, htmlBody: null } : {}),
    })
    .where(eq(mailMessages.id, id));
}

/**
 * Takes messages that are due for another try (failed, or left "queued" by a process that died
 * mid-send) and leases them to this worker in one statement: a second worker running the same job
 * at the same moment skips them, so no message is sent twice by the retry job.
 */
export async function claimDueMail(limit = 50): Promise<MailMessage[]> {
  const db = await getDb();
  return db
    .update(mailMessages)
    .set({ nextAttemptAt: sql`now() + make_interval(secs => ${SEND_LEASE_SECONDS})` })
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
    const pattern = containsPattern(filter.to);
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

/**
 * One message for the admin's mail page. A body with a one-time link is shown only while it sits in
 * the capture inbox (no SMTP: the demo); once the portal has tried to mail it, it belongs to the
 * recipient alone, so an admin cannot take over an account from the mail log. Each showing of such
 * a body is audited.
 */
export async function getMail(actor: Actor, id: string): Promise<MailMessage | null> {
  requireRole(actor, "admin");
  const db = await getDb();
  const [row] = await db.select().from(mailMessages).where(eq(mailMessages.id, id));
  if (!row) return null;
  if (!row.sensitive) return row;
  if (row.status !== "captured") return { ...row, textBody: WITHHELD_BODY, htmlBody: null };
  await recordAudit({ actor, organisationId: row.organisationId, action: "mail.sensitive_viewed", target: `${row.toAddress}: ${row.subject}`, result: "success", ip: actor.ip, detail: { mailId: row.id, kind: row.kind } });
  return row;
}
