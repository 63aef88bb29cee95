import "server-only";
import { env } from "@/lib/env";
import { sendMail, type MailOutcome } from "@/lib/mail/send";
import { mailHtml, mailText, type MailParagraph } from "@/lib/mail/safe-text";

/*
 * The notes that go to an address when someone registers or invites it. Registration and
 * invitation answer the same whatever the address, so these are the only place the truth goes: to
 * the mailbox itself. None carries text the other person typed (no organisation or inviter name),
 * and the ones to an existing account go out at most once a day per address and kind, so they
 * cannot be used to flood someone.
 */

function signInLink(): string {
  return `${env().PUBLIC_URL}/sign-in`;
}

/** One a day per address and kind: `kind:address:YYYY-MM-DD`. */
function dailyKey(kind: string, email: string): string {
  return `${kind}:${email}:${new Date().toISOString().slice(0, 10)}`;
}

function send(to: string, subject: string, kind: string, paragraphs: MailParagraph[], dedupeKey?: string): Promise<MailOutcome> {
  return sendMail({ to, subject, kind, text: mailText(paragraphs), html: mailHtml(paragraphs), dedupeKey });
}

/** A new registration with this address as its contact. */
export function sendRegistrationReceivedMail(email: string): Promise<MailOutcome> {
  return send(email, "Your registration on the EDI Transfer Portal", "registration_received", [
    "We received a registration of an organisation on the EDI Transfer Portal with this email address as its contact.",
    "An administrator checks every registration by hand against the payer's enrollment records. To see where yours stands, sign in with this address and the password you chose:",
    { link: signInLink() },
    "If you did not register, contact our support team so we can remove the registration; nobody can send files for it until an administrator approves it.",
  ]);
}

/** Someone tried to register with an address that already has an account: no second account was made. */
export function sendRegistrationAttemptMail(email: string): Promise<MailOutcome> {
  return send(
    email,
    "Someone tried to register with your address",
    "registration_existing_account",
    [
      "Someone tried to register a new organisation on the EDI Transfer Portal with this email address. You already have an account with it, so no new account was created and nothing about your account changed.",
      "If it was you, sign in with your password, or choose a new one with “Forgot your password?” on the sign-in page:",
      { link: signInLink() },
      "If it was not you, you can ignore this email.",
    ],
    dailyKey("registration_existing_account", email),
  );
}

/** An organisation's administrator invited an address that already has an account: nothing was changed. */
export function sendInvitationExistingAccountMail(email: string): Promise<MailOutcome> {
  return send(
    email,
    "Someone tried to invite you to the EDI Transfer Portal",
    "invitation_existing_account",
    [
      "Someone tried to invite this email address to an organisation on the EDI Transfer Portal. You already have an account with this address, so nothing was changed and no second account was created.",
      "If you expected the invitation (for example, you are moving to another organisation), ask the person who invited you to contact our support team. Otherwise you can ignore this email.",
    ],
    dailyKey("invitation_existing_account", email),
  );
}
