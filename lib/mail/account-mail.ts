import "server-only";
import { env } from "@/lib/env";
import { sendMail, type MailOutcome } from "@/lib/mail/send";
import { inertName, mailHtml, mailText, type MailParagraph } from "@/lib/mail/safe-text";

/*
 * The emails that carry one-time account links: invitations and password resets. They are marked
 * sensitive, so once SMTP has taken them the stored copy no longer holds the link.
 */

function formatExpiry(expiresAt: Date): string {
  return `${expiresAt.toISOString().replace("T", " ").slice(0, 16)} UTC`;
}

export function invitationLink(token: string): string {
  return `${env().PUBLIC_URL}/invite/${token}`;
}

export function passwordResetLink(token: string): string {
  return `${env().PUBLIC_URL}/reset-password/${token}`;
}

/**
 * The invitation. The organisation's name is the one text in it its own administrator chose, so it
 * is made inert (one line, capped, no link, escaped in HTML) and stays out of the subject; the
 * inviter's own name is left out altogether.
 */
export function sendInvitationMail(input: { email: string; token: string; expiresAt: Date; organisationName: string | null; role: string }): Promise<MailOutcome> {
  const paragraphs: MailParagraph[] = [
    input.organisationName
      ? `You are invited to join the organisation “${inertName(input.organisationName)}” on the EDI Transfer Portal. (The organisation chose this name itself.)`
      : `You are invited to the EDI Transfer Portal as ${input.role === "admin" ? "an administrator" : "a support team member"}.`,
    "Open this link to choose your password and sign in:",
    { link: invitationLink(input.token) },
    `The link works once and expires on ${formatExpiry(input.expiresAt)}.`,
    "If you did not expect this invitation, ignore this email: no account exists until the link is used.",
  ];
  return sendMail({
    to: input.email,
    subject: "You are invited to the EDI Transfer Portal",
    kind: "invitation",
    sensitive: true,
    text: mailText(paragraphs),
    html: mailHtml(paragraphs),
  });
}

export function sendPasswordResetMail(input: { email: string; organisationId: string | null; token: string; expiresAt: Date; reason: "self_service" | "admin_forced" }): Promise<MailOutcome> {
  const opening =
    input.reason === "admin_forced"
      ? "An administrator of the EDI Transfer Portal asked you to choose a new password. Your sessions were signed out, and you cannot sign in until the new password is set."
      : "Someone (we hope you) asked to reset the password of your EDI Transfer Portal account.";
  return sendMail({
    to: input.email,
    subject: input.reason === "admin_forced" ? "Choose a new portal password" : "Reset your portal password",
    kind: input.reason === "admin_forced" ? "password_reset_forced" : "password_reset",
    organisationId: input.organisationId,
    sensitive: true,
    text: [
      opening,
      "",
      "Open this link to choose a new password:",
      passwordResetLink(input.token),
      "",
      `The link works once and expires on ${formatExpiry(input.expiresAt)}.`,
      input.reason === "admin_forced" ? "" : "If you did not ask for this, ignore this email: your password stays as it is.",
    ]
      .join("\n")
      .trimEnd(),
  });
}
