import "server-only";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import * as transfersRepo from "@/db/repositories/transfers";
import * as attemptsRepo from "@/db/repositories/transfer-attempts";
import { addToAttemptTotals } from "@/db/repositories/relay-attempt-totals";
import { attemptOutcomeLabel, durationBucketMs } from "@/lib/monitoring/metrics/buckets";
import type { Transfer, TransferAttempt } from "@/db/schema";
import { NotFoundError } from "@/lib/errors";
import type { TranscriptLine } from "@/lib/transfers/transcript";
import type { TransferErrorCode } from "@/lib/transfers/errors";
import { assertCanRead, isSystemActor, requireRole, type Actor, type SystemActor } from "@/lib/auth/actor";
import { recordNotificationEvent, TRANSFER_EVENT_FOR_STATUS } from "@/lib/notifications/outbox";

export type { NewTransfer } from "@/db/repositories/transfers";

export async function getTransferDetail(actor: Actor, id: string) {
  const db = await getDb();
  const row = await transfersRepo.findTransferWithNames(db, id);
  if (!row) throw new NotFoundError("transfer");
  assertCanRead(actor, row.transfer.organisationId, "transfer");
  const attempts = await attemptsRepo.listAttemptsOfTransfer(db, id);
  return { ...row, attempts };
}

export async function getTransferForActor(actor: Actor, id: string): Promise<Transfer> {
  const row = await transfersRepo.findTransfer(await getDb(), id);
  if (!row) throw new NotFoundError("transfer");
  assertCanRead(actor, row.organisationId, "transfer");
  return row;
}

/* ---- relay bookkeeping: the relay worker, or an admin's "send test file" run in the request ---- */

/** Who may run a delivery attempt: the relay worker, or an admin (the test file button). */
export type RelayActor = Actor | SystemActor;

function authorizeRelay(actor: RelayActor): void {
  if (!isSystemActor(actor)) requireRole(actor, "admin");
}

export async function loadTransferForRelay(actor: RelayActor, id: string): Promise<Transfer | undefined> {
  authorizeRelay(actor);
  return transfersRepo.findTransfer(await getDb(), id);
}

/** The attempt row and its transfer's "sending" with one more attempt counted, together. */
export async function startAttempt(actor: RelayActor, transferId: string): Promise<TransferAttempt> {
  authorizeRelay(actor);
  return inTransaction(async (tx) => {
    const number = await transfersRepo.countAttemptStarted(tx, transferId);
    if (number === undefined) throw new NotFoundError("transfer");
    return attemptsRepo.insertAttempt(tx, { transferId, number, startedAt: new Date() });
  });
}

export interface AttemptOutcome {
  bytes: number;
  durationMs: number;
  resumedFromByte?: number;
  remotePath?: string;
  negotiated?: Record<string, unknown>;
  transcript: TranscriptLine[];
  error?: { code: TransferErrorCode; message: string; detail?: string; transient: boolean };
}

/** Where a transfer goes after an attempt: delivered, back to the queue (retried), or stopped. */
export type AttemptEndStatus = "delivered" | "queued" | "failed" | "needs_attention";

/**
 * Records an attempt's outcome in one transaction: the attempt row, its share of the metrics'
 * totals, the transfer's status, and the outbox event that tells the organisation (it commits with the status, so whoever must hear about
 * it will, even after a crash). A transfer already recorded as delivered (by a worker that found the
 * file on the server while this one could not reach the database) keeps that record and sends no
 * second event.
 */
export async function finishAttempt(actor: RelayActor, attempt: TransferAttempt, outcome: AttemptOutcome, nextStatus: AttemptEndStatus): Promise<void> {
  authorizeRelay(actor);
  await inTransaction(async (tx) => {
    await attemptsRepo.markAttemptFinished(tx, attempt.id, {
      bytes: outcome.bytes,
      durationMs: outcome.durationMs,
      resumedFromByte: outcome.resumedFromByte ?? 0,
      remotePath: outcome.remotePath ?? null,
      negotiated: outcome.negotiated ?? null,
      transcript: outcome.transcript,
      error: outcome.error ? { code: outcome.error.code, message: outcome.error.message, detail: outcome.error.detail ?? null, transient: outcome.error.transient } : null,
    });
    // The metrics' histogram and bytes counter (GET /api/metrics): counted with the attempt, once, whichever process ran it.
    await addToAttemptTotals(tx, {
      transferId: attempt.transferId,
      outcome: attemptOutcomeLabel(outcome.error),
      durationBucketMs: durationBucketMs(outcome.durationMs),
      durationMs: Math.max(0, Math.round(outcome.durationMs)),
      bytes: outcome.bytes,
    });
    const settled =
      nextStatus === "delivered"
        ? await transfersRepo.markDelivered(tx, attempt.transferId)
        : await transfersRepo.markAttemptFailed(tx, attempt.transferId, nextStatus, outcome.error ? { code: outcome.error.code, message: outcome.error.message } : null);
    // An admin's test file is the admin's business; the organisation hears only of its own files.
    const eventType = TRANSFER_EVENT_FOR_STATUS[nextStatus];
    if (eventType && settled && settled.kind !== "admin_test") {
      await recordNotificationEvent(tx, { type: eventType, organisationId: settled.organisationId, transferId: attempt.transferId });
    }
  });
}
