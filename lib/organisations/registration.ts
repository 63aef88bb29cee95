import "server-only";
import type { z } from "zod";
import type { ActionState } from "@/lib/auth/action-state";
import type { registerSchema } from "@/lib/auth/registration";
import { hashPassword } from "@/lib/auth/password";
import { logger } from "@/lib/logger";
import { sendRegistrationAttemptMail, sendRegistrationReceivedMail } from "@/lib/mail/account-notices";
import { consumeAttempt } from "@/lib/rate-limits/policies";
import { createRegistration, type RegistrationOutcome } from "@/lib/organisations/service";
import { normaliseEmail } from "@/lib/organisations/users";

/** The one subject of the portal-wide registration counter. */
export const REGISTRATION_GLOBAL_SUBJECT = "portal";

/** The one answer to every registration that passed the form's checks, whether or not the address had an account. */
export function registrationReceivedMessage(email: string): string {
  return `Thank you. We have sent an email about this registration to ${email}. To follow it, sign in with that address and the password you chose; an administrator checks every registration by hand before you can send files. Nothing arrived within a few minutes? Check the spam folder.`;
}

/**
 * The registration form (public; request facts: the form and the ip). Limited per address as
 * typed, per IP and across the portal, every submission counted before anything is looked up. The
 * answer never says whether the address had an account and nobody is signed in by it: a new address
 * gets a pending organisation and a "registration received" note; an address with an account gets
 * no second one, only a note that someone tried. Both notes go out in the background, so an SMTP
 * exchange cannot be timed either. `outcome` and `mailSent` are for tests.
 */
export async function submitRegistration(
  input: Omit<z.infer<typeof registerSchema>, "confirmPassword">,
  ip: string | null,
): Promise<{ answer: ActionState; outcome: RegistrationOutcome; mailSent: Promise<unknown> }> {
  await consumeAttempt(["registrationAccount", input.email], ["registrationIp", ip], ["registrationGlobal", REGISTRATION_GLOBAL_SUBJECT]);
  // Hashed for either outcome: the answer takes as long for an address with an account.
  const passwordHash = await hashPassword(input.password);
  const outcome = await createRegistration({ ...input, passwordHash }, ip);
  const email = normaliseEmail(input.email);
  const mailSent = (outcome.outcome === "created" ? sendRegistrationReceivedMail(email) : sendRegistrationAttemptMail(email)).catch((error: unknown) =>
    logger.error("registration mail failed", { error }),
  );
  return { answer: { status: "ok", message: registrationReceivedMessage(email), values: {} }, outcome, mailSent };
}
