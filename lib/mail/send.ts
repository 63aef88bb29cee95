import "server-only";
import { insertMail, markMailOutcome, type NewMail } from "@/db/queries/mail";
import type { MailMessage } from "@/db/schema";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { smtpTransport } from "./transport";

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
    await markMailOutcome(row.id, { status: "failed", error: message.slice(0, 500) });
    return { status: "failed", id: row.id };
  }
}
