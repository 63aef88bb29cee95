import "server-only";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import { findUserDailySummary, setUserDailySummary } from "@/db/repositories/daily-summary";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";

/** Each user opts in or out of the daily summary for themselves, on /account. */
export async function setDailySummary(actor: Actor, enabled: boolean): Promise<void> {
  await inTransaction(async (tx) => {
    await setUserDailySummary(tx, actor.userId, enabled);
    await recordAudit({ actor, organisationId: actor.organisationId, action: enabled ? "account.daily_summary_on" : "account.daily_summary_off", target: actor.email, result: "success", ip: actor.ip }, tx);
  });
}

export async function ownDailySummary(actor: Actor): Promise<boolean> {
  requireRole(actor, "partner", "admin", "support");
  return findUserDailySummary(await getDb(), actor.userId);
}
