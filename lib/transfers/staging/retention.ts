import "server-only";
import fs from "node:fs";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import * as stagingRepo from "@/db/repositories/staging";
import type { SystemActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { logger } from "@/lib/logger";
import { stagingPath } from "@/lib/transfers/staging/files";
import { discardStagedFile } from "@/lib/transfers/staging/discard";

export interface RetentionPolicy {
  /** Staged bytes go this many days after upload, whatever became of the file. */
  retentionDays: number;
  /** …or this many hours after delivery, whichever comes first. */
  deliveredGraceHours: number;
}

export interface RemovedStagedFile {
  transferId: string;
  name: string;
  sizeBytes: number;
  reason: "age" | "delivered";
  fileExisted: boolean;
}

/** The bytes could not be removed: the transaction rolls back (the row keeps its key) and the run goes on. */
class RemovalFailed extends Error {
  constructor(cause: unknown) {
    super("staged file could not be removed", { cause });
  }
}

async function stagedFileExists(key: string): Promise<boolean> {
  return fs.promises.access(stagingPath(key)).then(
    () => true,
    () => false,
  );
}

/**
 * Removes staged bytes that retention no longer allows, keeps the transfer row (metadata, history,
 * transcripts), clears its staging key and audits each removal. A transfer being sent is skipped and
 * picked up by a later run. Idempotent: run it as often as you like, from any worker.
 *
 * Each file is one transaction: the key is cleared (compare-and-set; the row stays locked, so no
 * attempt can start with these bytes), the audit entry written, and the bytes removed last. If the
 * removal fails, neither the cleared key nor the audit entry is kept.
 */
export async function removeExpiredStagedFiles(system: SystemActor, policy: RetentionPolicy, now = new Date(), batch = 500): Promise<RemovedStagedFile[]> {
  const candidates = await stagingRepo.findExpiredStagedFiles(await getDb(), { now, retentionDays: policy.retentionDays, deliveredGraceHours: policy.deliveredGraceHours, limit: batch });
  const removed: RemovedStagedFile[] = [];
  for (const row of candidates) {
    try {
      const entry = await inTransaction(async (tx): Promise<RemovedStagedFile | undefined> => {
        if (!(await stagingRepo.clearStagingKey(tx, row.id, row.stagingKey))) return undefined;
        const entry: RemovedStagedFile = { transferId: row.id, name: row.originalName, sizeBytes: row.sizeBytes, reason: row.reason, fileExisted: await stagedFileExists(row.stagingKey) };
        await recordAudit(
          {
            actor: system,
            organisationId: row.organisationId,
            action: "transfer.staged_bytes_removed",
            target: `${row.originalName} (${row.id})`,
            result: "success",
            detail: { ...entry, retentionDays: policy.retentionDays, deliveredGraceHours: policy.deliveredGraceHours },
          },
          tx,
        );
        await discardStagedFile(row.stagingKey, tx).catch((error: unknown) => {
          throw new RemovalFailed(error);
        });
        return entry;
      });
      if (entry) removed.push(entry);
    } catch (error) {
      if (!(error instanceof RemovalFailed)) throw error;
      logger.error("staged file could not be removed", { transferId: row.id, error: error.cause });
    }
  }
  if (removed.length) logger.info("staging retention removed files", { count: removed.length });
  return removed;
}
