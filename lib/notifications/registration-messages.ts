import "server-only";
import type { RegistrationFacts } from "@/db/repositories/notification-events";
import { env } from "@/lib/env";
import { inertName, mailHtml, mailText, type MailParagraph } from "@/lib/mail/safe-text";
import type { ComposedMail } from "@/lib/notifications/messages";

/*
 * The emails around a registration: to every administrator when one arrives, to the organisation's
 * contacts when it is decided. Whoever registers chooses the organisation's name (and may have typed
 * someone else's address), so the name only ever appears made inert (lib/mail/safe-text.ts), never in
 * a subject, and the only links are the portal's own. No contact details, no password, no token.
 */

function link(path: string): MailParagraph {
  return { link: new URL(path, env().PUBLIC_URL).toString() };
}

function compose(subject: string, paragraphs: MailParagraph[]): ComposedMail {
  return { subject, text: `${mailText(paragraphs)}\n`, html: mailHtml(paragraphs) };
}

function who(registration: RegistrationFacts): string {
  return `“${inertName(registration.name)}” (submitter ID ${registration.submitterId})`;
}

const ADMIN_CLOSING = "You receive this because you are an administrator of the EDI Transfer Portal: one email per registration.";
const CONTACT_CLOSING = "You receive this because this address is the contact of the registration on the EDI Transfer Portal.";

/** To each administrator: a new organisation waits in the review queue. */
export function registrationSubmittedMail(registration: RegistrationFacts): ComposedMail {
  return compose("A new registration is waiting for your review", [
    "Hello,",
    `a new organisation registered on the EDI Transfer Portal on ${registration.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC and waits for your review: ${who(registration)}.`,
    "Check it against the payer's enrollment records, then approve or reject it on the Registrations page, which also flags a name or submitter ID another organisation already uses. Until then its users can sign in but see only a waiting page.",
    link("/admin/registrations"),
    ADMIN_CLOSING,
  ]);
}

/** To the organisation's contacts: approved, and what happens next. */
export function registrationApprovedMail(registration: RegistrationFacts): ComposedMail {
  return compose("Your registration on the EDI Transfer Portal was approved", [
    "Hello,",
    `the registration of ${who(registration)} on the EDI Transfer Portal was approved.`,
    "What happens next: an administrator creates your payer account once your payer has issued your user name; then you store its password and key, and send your first file. Your dashboard shows each of these steps as it stands, who acts next and where:",
    link("/dashboard"),
    CONTACT_CLOSING,
  ]);
}

/** To the organisation's contacts: rejected, with the administrator's reason. */
export function registrationRejectedMail(registration: RegistrationFacts): ComposedMail {
  return compose("Your registration on the EDI Transfer Portal was not approved", [
    "Hello,",
    `the registration of ${who(registration)} on the EDI Transfer Portal was not approved.`,
    `The reason given: ${registration.decisionReason ?? "none was given"}`,
    "If you can fix what is described, contact our support team and mention your submitter ID. Signing in shows this decision too:",
    link("/sign-in"),
    CONTACT_CLOSING,
  ]);
}
