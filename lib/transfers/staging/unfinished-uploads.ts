import "server-only";
import fs from "node:fs";
import { inTransaction } from "@/db/executor";
import { getDb } from "@/db/client";
import * as stagingRepo from "@/db/repositories/staging";
import type { SystemActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { logger } from "@/lib/logger";
import type { TransferStopCode } from "@/lib/transfers/errors";
import { stagingPath } from "@/lib/transfers/staging/files";
import { discardStagedFile } from "@/lib/transfers/staging/discard";

/*
 * Resumable browser uploads are not kept waiting for ever: one not finished UNFINISHED_UPLOAD_HOURS
 * after it started is removed (its bytes and its tus info file), and its transfer row ends "failed"
 * with UPLOAD_EXPIRED and a message saying what to do. Until then it counts against its
 * organisation's staging quota at its announced length, and as one of its unfinished uploads.
 */

export const UPLOAD_EXPIRED_CODE = "UPLOAD_EXPIRED" satisfies TransferStopCode;

export const UPLOAD_EXPIRED_ACTION = "transfer.upload_expired";

export function uploadExpiredMessage(hours: number): string {
  return `The upload was not finished within ${hours} hours of starting, so it was removed and nothing was sent. Upload the file again.`;
}

export interface UnfinishedUploadPolicy {
  /** UNFINISHED_UPLOAD_HOURS. */
  maxHours: number;
  /** The staging retention (days): no staged bytes outlive it, an unfinished upload's neither. */
  retentionDays: number;
}

export interface ExpiredUpload {
  transferId: string;
  organisationId: string;
  name: string;
  sizeBytes: number;
  uploadId: string | null;
  fileExisted: boolean;
}

async function stagedFileExists(key: string): Promise<boolean> {
  try {
    await fs.promises.access(stagingPath(key));
    return true;
  } catch {
    return false;
  }
}

/** The bytes could not be removed: the transaction rolls back (the row stays "uploading") and the run goes on. */
class RemovalFailed extends Error {
  constructor(cause: unknown) {
    super("unfinished upload could not be removed", { cause });
  }
}

/**
 * Ends every upload still "uploading" that started more than `maxHours` (or the retention period,
 * if shorter) before `now`. Idempotent, safe from any worker: each upload is one transaction — the
 * row moves (compare-and-set: only while still "uploading", so one that finished meanwhile is left
 * alone), the audit entry is written, and the bytes and tus metadata go last. If they cannot be
 * removed, neither the row's change nor the audit entry is kept, and the next run tries again.
 */
export async function removeExpiredUnfinishedUploads(system: SystemActor, policy: UnfinishedUploadPolicy, now = new Date(), batch = 500): Promise<ExpiredUpload[]> {
  const hours = Math.min(policy.maxHours, policy.retentionDays * 24);
  const startedBefore = new Date(now.getTime() - hours * 3_600_000);
  const candidates = await stagingRepo.findExpiredUnfinishedUploads(await getDb(), { startedBefore, limit: batch });
  const message = uploadExpiredMessage(hours);
  const expired: ExpiredUpload[] = [];
  for (const row of candidates) {
    try {
      const entry = await inTransaction(async (tx): Promise<ExpiredUpload | undefined> => {
        if (!(await stagingRepo.expireUnfinishedUpload(tx, row.id, { code: UPLOAD_EXPIRED_CODE, message }))) return undefined;
        // The row names its bytes by key (`tus/<upload id>`) until retention clears it; the upload id always.
        const key = row.stagingKey ?? (row.uploadId ? `tus/${row.uploadId}` : null);
        const fileExisted = key ? await stagedFileExists(key) : false;
        const entry: ExpiredUpload = { transferId: row.id, organisationId: row.organisationId, name: row.originalName, sizeBytes: row.sizeBytes, uploadId: row.uploadId, fileExisted };
        await recordAudit(
          {
            actor: system,
            organisationId: row.organisationId,
            action: UPLOAD_EXPIRED_ACTION,
            target: `${row.originalName} (${row.id})`,
            result: "success",
            detail: { announcedBytes: row.sizeBytes, uploadId: row.uploadId, startedAt: row.createdAt.toISOString(), maxHours: hours, fileExisted },
          },
          tx,
        );
        // Last: discardStagedFile shreds the key, then takes the tus info file (`<key>.json`) with the bytes.
        if (key) {
          await discardStagedFile(key, tx).catch((error: unknown) => {
            throw new RemovalFailed(error);
          });
        }
        return entry;
      });
      if (entry) expired.push(entry);
    } catch (error) {
      if (!(error instanceof RemovalFailed)) throw error;
      logger.error("unfinished upload could not be removed", { transferId: row.id, error: error.cause });
    }
  }
  if (expired.length) logger.info("unfinished uploads expired", { count: expired.length });
  return expired;
}
