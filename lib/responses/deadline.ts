import "server-only";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import * as transfersRepo from "@/db/repositories/transfers";
import type { SystemActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { recordNotificationEvent } from "@/lib/notifications/outbox";
import type { TransferStopCode } from "@/lib/transfers/errors";

const NO_RESPONSE: TransferStopCode = "NO_RESPONSE";

/**
 * Delivered files the payer has not answered by the destination's deadline need attention: the
 * transfer says so (with the guide for it), the organisation is told, and the audit log records it.
 * Each transfer is one transaction; only a row still awaiting moves, so schedulers on several
 * processes change it once. Returns the transfers it marked.
 */
export async function markOverdueResponses(system: SystemActor, now = new Date()): Promise<string[]> {
  const marked: string[] = [];
  for (const transfer of await transfersRepo.findOverdueResponses(await getDb(), now)) {
    const changed = await inTransaction(async (tx) => {
      const moved = await transfersRepo.markNoResponse(tx, transfer.id, {
        code: NO_RESPONSE,
        message: "The payer has not acknowledged this file within the time its destination allows. The file reached the payer's server; check with the payer whether it was processed before sending it again.",
      });
      if (!moved) return false;
      if (transfer.kind !== "admin_test") await recordNotificationEvent(tx, { type: "transfer.needs_attention", organisationId: transfer.organisationId, transferId: transfer.id });
      await recordAudit({ actor: system, organisationId: transfer.organisationId, action: "transfer.no_response", target: transfer.id, result: "success" }, tx);
      return true;
    });
    if (changed) marked.push(transfer.id);
  }
  return marked;
}
