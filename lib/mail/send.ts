import "server-only";
import { claimDueMail, insertMail, markMailOutcome, type NewMail, type RetryPolicy } from "@/lib/mail/records";
import type { MailMessage } from "@/db/schema";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { smtpTransport } from "@/lib/mail/transport";

export type MailOutcome = { status: "sent" | "captured" | "failed" | "duplicate"; id: string | null };

/**
 * Records the message, then hands it to SMTP (or leaves it in the capture inbox when SMTP_URL is
 * unset). Never throws for a delivery problem: the row says "failed" and a later run retries it.
 */
export async function sendMail(mail: NewMail): Promise<MailOutcome> {
  const row = await insertMail(mail);
  if (!row) return { status: "duplicate", id: null };
  return deliver(row);
}

export async function deliver(row: MailMessage): Promise<MailOutcome> {
  const transport = smtpTransport();
  if (!transport) {
    await markMailOutcome(row.id, { status: "captured" });
    return { status: "captured", id: row.id };
  }
  try {
    await transport.sendMail({
      from: env().MAIL_FROM,
      to: row.toAddress,
      subject: row.subject,
      text: row.textBody,
      html: row.htmlBody ?? undefined,
    });
    await markMailOutcome(row.id, { status: "sent", withholdBody: row.sensitive });
    return { status: "sent", id: row.id };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.warn("mail delivery failed", { mailId: row.id, kind: row.kind, error: message });
    await markMailOutcome(row.id, { status: "failed", error: message.slice(0, 500) }, retryPolicy());
    return { status: "failed", id: row.id };
  }
}

function retryPolicy(): RetryPolicy {
  const config = env();
  return { baseSeconds: config.MAIL_RETRY_BASE_SECONDS, maxAttempts: config.MAIL_MAX_ATTEMPTS };
}

/**
 * The retry job: sends every message that is due again (failed earlier, or orphaned mid-send).
 * Returns how each went, for the job's log.
 */
export async function retryDueMail(): Promise<MailOutcome[]> {
  const outcomes: MailOutcome[] = [];
  for (const row of await claimDueMail()) outcomes.push(await deliver(row));
  return outcomes;
}
