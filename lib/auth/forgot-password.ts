import "server-only";
import { requestPasswordReset, SELF_SERVICE_RESET_MINUTES } from "@/lib/auth/password-resets";
import { logger } from "@/lib/logger";
import { sendPasswordResetMail } from "@/lib/mail/account-mail";
import type { ActionState } from "@/lib/auth/action-state";

/** The one answer for every address, known or not, limited or not: nothing here can be probed. */
export const RESET_REQUESTED_MESSAGE = `If an account uses that address, we have sent it a link to choose a new password. It works once, for ${SELF_SERVICE_RESET_MINUTES} minutes. Nothing arrived? Check the spam folder, then ask your organisation's administrator or our support team.`;

/**
 * The "forgot password" request. The mail goes out in the background: an SMTP round trip made only
 * for known addresses would let the answer's timing tell them apart. `mailSent` is for tests.
 */
export async function forgotPassword(email: string, ip: string | null): Promise<{ answer: ActionState; mailSent: Promise<unknown> }> {
  const outcome = await requestPasswordReset(email, ip);
  const mailSent = outcome.issued
    ? sendPasswordResetMail({ ...outcome.issued, reason: "self_service" }).catch((error: unknown) => logger.error("password reset mail failed", { error }))
    : Promise.resolve();
  return { answer: { status: "ok", message: RESET_REQUESTED_MESSAGE, values: {} }, mailSent };
}
