import "server-only";
import type { RawSql } from "@/db/client";

/*
 * The transfer-status side of exactly-once delivery. Only the compare-and-set in claimTransfer may
 * move a transfer into "sending"; a delivered transfer (delivered_at set) is never claimed again.
 * While a worker sends, it refreshes transfers.updated_at (the lease); a "sending" row whose lease
 * ran out belongs to a dead worker and may be taken over.
 */

export const INTERRUPTED_MESSAGE = "The relay stopped during this attempt (portal or worker restart); the next attempt resumes the upload.";

export type ClaimResult =
  | { claimed: true; attemptCount: number }
  | { claimed: false; reason: "gone" | "delivered" | "busy" | "not_queued"; status?: string };

export async function claimTransfer(sql: RawSql, transferId: string, leaseSeconds: number): Promise<ClaimResult> {
  const { rows } = await sql.query<{ attempt_count: number }>(
    `UPDATE transfers SET status = 'sending', updated_at = now()
      WHERE id = $1 AND delivered_at IS NULL
        AND (status = 'queued' OR (status = 'sending' AND updated_at < now() - $2::int * interval '1 second'))
      RETURNING attempt_count`,
    [transferId, leaseSeconds],
  );
  if (rows.length === 1) {
    // Any attempt still open now was cut short by a dead worker: close it so the history is honest.
    await sql.query(
      `UPDATE transfer_attempts SET finished_at = now(), error_code = 'CONNECTION_LOST', error_message = $2, transient = true
        WHERE transfer_id = $1 AND finished_at IS NULL`,
      [transferId, INTERRUPTED_MESSAGE],
    );
    return { claimed: true, attemptCount: Number(rows[0].attempt_count) };
  }
  const current = await readTransferState(sql, transferId);
  if (!current) return { claimed: false, reason: "gone" };
  if (current.delivered) return { claimed: false, reason: "delivered", status: current.status };
  if (current.status === "sending") return { claimed: false, reason: "busy", status: current.status };
  return { claimed: false, reason: "not_queued", status: current.status };
}

export async function readTransferState(sql: RawSql, transferId: string) {
  const { rows } = await sql.query<{ status: string; attempt_count: number; delivered: boolean }>(
    `SELECT status, attempt_count, (delivered_at IS NOT NULL OR status = 'delivered') AS delivered FROM transfers WHERE id = $1`,
    [transferId],
  );
  const row = rows[0];
  return row ? { status: row.status, attemptCount: Number(row.attempt_count), delivered: row.delivered } : undefined;
}

/**
 * Refresh the lease of a transfer this worker is sending. A caller that marks the transfer
 * "queued" just after queueing it (the upload pipeline does) may overwrite "sending" while the
 * attempt runs; an open attempt row proves it is still being sent, so the status is restored.
 */
export async function renewLease(sql: RawSql, transferId: string): Promise<void> {
  await sql.query(
    `UPDATE transfers SET updated_at = now(), status = 'sending'
      WHERE id = $1 AND delivered_at IS NULL
        AND (status = 'sending'
             OR (status = 'queued' AND EXISTS (SELECT 1 FROM transfer_attempts a WHERE a.transfer_id = $1 AND a.finished_at IS NULL)))`,
    [transferId],
  );
}

/** Put a claimed transfer back after the worker failed outside a recorded attempt (e.g. a database error). */
export async function releaseClaim(sql: RawSql, transferId: string): Promise<void> {
  await sql.query(`UPDATE transfers SET status = 'queued', updated_at = now() WHERE id = $1 AND status = 'sending' AND delivered_at IS NULL`, [transferId]);
}

/** Mark a transfer as waiting for the relay; returns its state afterwards. */
export async function markQueued(sql: RawSql, transferId: string) {
  await sql.query(
    `UPDATE transfers SET status = 'queued', updated_at = now()
      WHERE id = $1 AND delivered_at IS NULL AND status IN ('received', 'queued', 'failed', 'needs_attention')`,
    [transferId],
  );
  return readTransferState(sql, transferId);
}

/**
 * Single owner only (the embedded database): nobody else can be sending, so every "sending" row
 * was interrupted by the previous run of this process. Returns the transfers put back in the queue.
 */
export async function requeueInterruptedSends(sql: RawSql): Promise<string[]> {
  const { rows } = await sql.query<{ id: string }>(
    `UPDATE transfers SET status = 'queued', updated_at = now() WHERE status = 'sending' AND delivered_at IS NULL RETURNING id`,
  );
  const ids = rows.map((row) => row.id);
  if (ids.length) {
    await sql.query(
      `UPDATE transfer_attempts SET finished_at = now(), error_code = 'CONNECTION_LOST', error_message = $2, transient = true
        WHERE transfer_id = ANY($1::uuid[]) AND finished_at IS NULL`,
      [ids, INTERRUPTED_MESSAGE],
    );
  }
  return ids;
}
