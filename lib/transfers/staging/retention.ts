import "server-only";
import type { RawSql } from "@/db/client";
import { recordAudit } from "@/lib/audit/log";
import { logger } from "@/lib/logger";
import { removeStagedFile } from "@/lib/transfers/staging/files";

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

interface Candidate {
  id: string;
  organisation_id: string;
  original_name: string;
  size_bytes: number | string;
  staging_key: string;
  reason: "age" | "delivered";
}

/**
 * Removes staged bytes that retention no longer allows, keeps the transfer row (metadata, history,
 * transcripts), clears its staging key and audits each removal. A transfer being sent is skipped and
 * picked up by a later run. Idempotent: run it as often as you like, from any worker.
 */
export async function removeExpiredStagedFiles(sql: RawSql, policy: RetentionPolicy, now = new Date(), batch = 500): Promise<RemovedStagedFile[]> {
  const { rows } = await sql.query<Candidate>(
    `SELECT id, organisation_id, original_name, size_bytes, staging_key,
            CASE WHEN created_at < $1::timestamptz - $2::float8 * interval '1 day' THEN 'age' ELSE 'delivered' END AS reason
       FROM transfers
      WHERE staging_key IS NOT NULL AND status <> 'sending'
        AND (created_at < $1::timestamptz - $2::float8 * interval '1 day'
             OR (delivered_at IS NOT NULL AND delivered_at < $1::timestamptz - $3::float8 * interval '1 hour'))
      ORDER BY created_at
      LIMIT $4`,
    [now.toISOString(), policy.retentionDays, policy.deliveredGraceHours, batch],
  );
  const removed: RemovedStagedFile[] = [];
  for (const row of rows) {
    // Clear the key first (compare-and-set): from here on no attempt can start with these bytes.
    const { rows: cleared } = await sql.query(
      `UPDATE transfers SET staging_key = NULL WHERE id = $1 AND staging_key = $2 AND status <> 'sending' RETURNING id`,
      [row.id, row.staging_key],
    );
    if (!cleared.length) continue;
    let fileExisted: boolean;
    try {
      fileExisted = await removeStagedFile(row.staging_key);
    } catch (error) {
      logger.error("staged file could not be removed", { transferId: row.id, error });
      await sql.query(`UPDATE transfers SET staging_key = $2 WHERE id = $1 AND staging_key IS NULL`, [row.id, row.staging_key]);
      continue;
    }
    const entry: RemovedStagedFile = { transferId: row.id, name: row.original_name, sizeBytes: Number(row.size_bytes), reason: row.reason, fileExisted };
    await recordAudit({
      actorEmail: "system:retention",
      organisationId: row.organisation_id,
      action: "transfer.staged_bytes_removed",
      target: `${row.original_name} (${row.id})`,
      result: "success",
      detail: { ...entry, retentionDays: policy.retentionDays, deliveredGraceHours: policy.deliveredGraceHours },
    });
    removed.push(entry);
  }
  if (removed.length) logger.info("staging retention removed files", { count: removed.length });
  return removed;
}
