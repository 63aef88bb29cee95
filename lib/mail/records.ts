import "server-only";
import { getDb } from "@/db/client";
import type { MailMessage } from "@/db/schema";
import * as repo from "@/db/repositories/mail";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";

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

/*
 * Outgoing mail is infrastructure, like the audit log: the services that compose a message have
 * authorized their actor; these record and lease it. Only the admin's mail log below takes an actor.
 */

/** Records the message; returns null when the dedupe key says it was already sent. */
export async function insertMail(mail: NewMail): Promise<MailMessage | null> {
  return repo.insertMailRow(
    await getDb(),
    {
      toAddress: mail.to,
      subject: mail.subject,
      textBody: mail.text,
      htmlBody: mail.html ?? null,
      kind: mail.kind,
      organisationId: mail.organisationId ?? null,
      dedupeKey: mail.dedupeKey ?? null,
      sensitive: mail.sensitive ?? false,
    },
    SEND_LEASE_SECONDS,
  );
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
  const attempts = (await repo.findMailAttempts(db, id)) + 1;
  const retryInSeconds = outcome.status === "failed" && retry && attempts < retry.maxAttempts ? mailRetryDelaySeconds(attempts, retry.baseSeconds) : null;
  await repo.updateMailOutcome(db, id, { status: outcome.status, error: outcome.error ?? null, attempts, retryInSeconds, withheldBody: outcome.withholdBody ? WITHHELD_BODY : undefined });
}

/**
 * Takes messages that are due for another try and leases them to this worker, so no message is
 * sent twice by the retry job.
 */
export async function claimDueMail(limit = 50): Promise<MailMessage[]> {
  return repo.leaseDueMail(await getDb(), limit, SEND_LEASE_SECONDS);
}

export interface MailFilter {
  to?: string;
  since?: Date;
  limit?: number;
}

/** The demo capture inbox and the admin's mail log. */
export async function listMail(actor: Actor, filter: MailFilter = {}): Promise<MailMessage[]> {
  requireRole(actor, "admin");
  return repo.listMailRows(await getDb(), { search: filter.to, since: filter.since, limit: Math.min(filter.limit ?? 100, 500) });
}

/**
 * One message for the admin's mail page. A body with a one-time link is shown only while it sits in
 * the capture inbox (no SMTP: the demo); once the portal has tried to mail it, it belongs to the
 * recipient alone, so an admin cannot take over an account from the mail log. Each showing of such
 * a body is audited.
 */
export async function getMail(actor: Actor, id: string): Promise<MailMessage | null> {
  requireRole(actor, "admin");
  const row = await repo.findMail(await getDb(), id);
  if (!row) return null;
  if (!row.sensitive) return row;
  if (row.status !== "captured") return { ...row, textBody: WITHHELD_BODY, htmlBody: null };
  await recordAudit({ actor, organisationId: row.organisationId, action: "mail.sensitive_viewed", target: `${row.toAddress}: ${row.subject}`, result: "success", ip: actor.ip, detail: { mailId: row.id, kind: row.kind } });
  return row;
}
