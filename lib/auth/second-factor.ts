import "server-only";
import { z } from "zod";
import { inTransaction } from "@/db/executor";
import { recordAudit } from "@/lib/audit/log";
import { completePendingSignIn, findPendingSignIn, recordWrongCode } from "@/lib/auth/pending-sign-ins";
import { createSession } from "@/lib/auth/sessions";
import { rememberDevice } from "@/lib/auth/known-device";
import { confirmEnrolment, verifySecondFactor } from "@/lib/auth/two-factor";
import { limitedUntil, rateLimitsOn, type LimitSubject } from "@/lib/rate-limits/policies";
import { UserInputError } from "@/lib/errors";

export const secondStepSchema = z.object({
  pendingToken: z.string().min(20).max(100),
  code: z.string().trim().min(1, "Enter the code from your authenticator app, or a recovery code.").max(32, "That is longer than any code we issue."),
});

export type SecondStepOutcome =
  /** `knownDevice`: the known-device cookie's next value (lib/auth/known-device.ts). */
  | { ok: true; userId: string; sessionId: string; knownDevice: string }
  | { ok: false; reason: "invalid"; attemptsLeft: number }
  /** The pending sign-in is gone: expired, burned by wrong codes, or already used. Start over. */
  | { ok: false; reason: "expired" | "burned" }
  | { ok: false; reason: "locked"; until: Date };

/**
 * The second step: establishes an actor, so it takes the request facts (pending token, code, ip,
 * user agent). Only a valid TOTP code (later than the last one accepted) or an unused recovery
 * code, for an open pending sign-in, creates a session. For a user who must enrol, the code
 * confirms the new authenticator first. The fifth wrong code burns the pending sign-in. A session
 * also makes this browser a known device for the account (lib/auth/known-device.ts). The code
 * check and everything it leads to (counters, the pending sign-in, enrolment, session, audit rows)
 * commit together.
 */
export async function completeSecondStep(
  input: { pendingToken: string; code: string },
  meta: { ip: string | null; userAgent: string | null; knownDevice?: string | null },
): Promise<SecondStepOutcome> {
  const found = await findPendingSignIn(input.pendingToken);
  if (!found) return { ok: false, reason: "expired" };
  const { pending, user } = found;
  const auditActor = { userId: user.id, email: user.email, role: user.role };
  const limits: LimitSubject[] = [
    ["twoFactorAccount", user.id],
    ["twoFactorIp", meta.ip],
  ];
  const lockedUntil = await limitedUntil(...limits);
  if (lockedUntil) {
    await recordAudit({ actor: auditActor, organisationId: user.organisationId, action: "auth.two_factor", result: "denied", ip: meta.ip, detail: { reason: "locked" } });
    return { ok: false, reason: "locked", until: lockedUntil };
  }

  return inTransaction(async (tx): Promise<SecondStepOutcome> => {
    const rateLimits = rateLimitsOn(tx);
    let method: "totp" | "recovery" | "enrolment" | null;
    if (pending.step === "enrol") {
      // No enrolment in progress counts as a wrong code (that refusal comes before anything is written).
      const confirmed = await confirmEnrolment(user.id, input.code, meta.ip, tx).catch((error: unknown) => {
        if (error instanceof UserInputError) return false;
        throw error;
      });
      method = confirmed ? "enrolment" : null;
    } else {
      method = await verifySecondFactor(user.id, input.code, { allowRecovery: true }, tx);
    }

    if (!method) {
      const attemptsLeft = await recordWrongCode(input.pendingToken, tx);
      const blocked = await rateLimits.countAttempt(...limits);
      await recordAudit({ actor: auditActor, organisationId: user.organisationId, action: "auth.two_factor", result: "failure", ip: meta.ip, detail: { step: pending.step, attemptsLeft } }, tx);
      if (attemptsLeft === 0) {
        await recordAudit({ actor: auditActor, organisationId: user.organisationId, action: "auth.pending_sign_in_burned", result: "denied", ip: meta.ip, detail: { step: pending.step } }, tx);
        return { ok: false, reason: "burned" };
      }
      if (blocked) return { ok: false, reason: "locked", until: blocked };
      return { ok: false, reason: "invalid", attemptsLeft };
    }

    if (!(await completePendingSignIn(input.pendingToken, tx))) return { ok: false, reason: "expired" };
    await rateLimits.clearLimits(["twoFactorAccount", user.id]);
    const sessionId = await createSession(user.id, meta, tx);
    await recordAudit({ actor: auditActor, organisationId: user.organisationId, action: "auth.sign_in", result: "success", ip: meta.ip, detail: { method } }, tx);
    return { ok: true, userId: user.id, sessionId, knownDevice: rememberDevice(user, meta.knownDevice) };
  });
}
