import "server-only";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/log";
import { completePendingSignIn, findPendingSignIn, recordWrongCode } from "@/lib/auth/pending-sign-ins";
import { createSession } from "@/lib/auth/sessions";
import { confirmEnrolment, verifySecondFactor } from "@/lib/auth/two-factor";
import { clearLimits, countAttempt, limitedUntil, type LimitSubject } from "@/lib/rate-limits/policies";

export const secondStepSchema = z.object({
  pendingToken: z.string().min(20).max(100),
  code: z.string().trim().min(1, "Enter the code from your authenticator app, or a recovery code.").max(32, "That is longer than any code we issue."),
});

export type SecondStepOutcome =
  | { ok: true; userId: string; sessionId: string }
  | { ok: false; reason: "invalid"; attemptsLeft: number }
  /** The pending sign-in is gone: expired, burned by wrong codes, or already used. Start over. */
  | { ok: false; reason: "expired" | "burned" }
  | { ok: false; reason: "locked"; until: Date };

/**
 * The second step: only a valid TOTP code (later than the last one accepted) or an unused recovery
 * code, for an open pending sign-in, creates a session. For a user who must enrol, the code
 * confirms the new authenticator first. The fifth wrong code burns the pending sign-in.
 */
export async function completeSecondStep(input: { pendingToken: string; code: string }, meta: { ip: string | null; userAgent: string | null }): Promise<SecondStepOutcome> {
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

  let method: "totp" | "recovery" | "enrolment" | null;
  if (pending.step === "enrol") {
    method = (await confirmEnrolment(user.id, input.code, meta.ip).catch(() => false)) ? "enrolment" : null;
  } else {
    method = await verifySecondFactor(user.id, input.code, { allowRecovery: true });
  }

  if (!method) {
    const attemptsLeft = await recordWrongCode(input.pendingToken);
    const blocked = await countAttempt(...limits);
    await recordAudit({ actor: auditActor, organisationId: user.organisationId, action: "auth.two_factor", result: "failure", ip: meta.ip, detail: { step: pending.step, attemptsLeft } });
    if (attemptsLeft === 0) {
      await recordAudit({ actor: auditActor, organisationId: user.organisationId, action: "auth.pending_sign_in_burned", result: "denied", ip: meta.ip, detail: { step: pending.step } });
      return { ok: false, reason: "burned" };
    }
    if (blocked) return { ok: false, reason: "locked", until: blocked };
    return { ok: false, reason: "invalid", attemptsLeft };
  }

  if (!(await completePendingSignIn(input.pendingToken))) return { ok: false, reason: "expired" };
  await clearLimits(["twoFactorAccount", user.id]);
  const sessionId = await createSession(user.id, meta);
  await recordAudit({ actor: auditActor, organisationId: user.organisationId, action: "auth.sign_in", result: "success", ip: meta.ip, detail: { method } });
  return { ok: true, userId: user.id, sessionId };
}
