import "server-only";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import * as responsesRepo from "@/db/repositories/response-files";
import type { SystemActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { logger } from "@/lib/logger";
import { discardStagedFile } from "@/lib/transfers/staging/discard";

/**
 * Payer files follow the staged uploads' retention: after `retentionDays` their bytes are removed
 * and the row stays (what it said, what it was linked to). Each file is one transaction whose
 * cleared key and audit entry are kept only if the bytes really went.
 */
export async function removeExpiredResponseFiles(system: SystemActor, policy: { retentionDays: number }, now = new Date(), batch = 500): Promise<string[]> {
  const before = new Date(now.getTime() - policy.retentionDays * 86_400_000);
  const removed: string[] = [];
  for (const file of await responsesRepo.findExpiredResponseFiles(await getDb(), before, batch)) {
    if (!file.stagingKey) continue;
    const stagingKey = file.stagingKey;
    try {
      const done = await inTransaction(async (tx) => {
        if (!(await responsesRepo.clearResponseStagingKey(tx, file.id, stagingKey))) return false;
        await recordAudit({ actor: system, organisationId: file.organisationId, action: "response.retention_removed", target: `${file.remoteName} (${file.id})`, result: "success" }, tx);
        await discardStagedFile(stagingKey, tx);
        return true;
      });
      if (done) removed.push(file.id);
    } catch (error) {
      logger.error("payer file could not be removed by retention", { responseFileId: file.id, error });
    }
  }
  return removed;
}
