import "server-only";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import * as transfersRepo from "@/db/repositories/transfers";
import { closeOpenAttempts } from "@/db/repositories/transfer-attempts";
import type { SystemActor } from "@/lib/auth/actor";
import type { TransferErrorCode } from "@/lib/transfers/errors";

/*
 * The transfer-status side of exactly-once delivery, for the relay worker. Only the compare-and-set
 * in claimTransfer may move a transfer into "sending"; a delivered transfer (delivered_at set) is
 * never claimed again. While a worker sends, it refreshes transfers.updated_at (the lease); a
 * "sending" row whose lease ran out belongs to a dead worker and may be taken over.
 */

export const INTERRUPTED_MESSAGE = "The relay stopped during this attempt (portal or worker restart); the next attempt resumes the upload.";

/** How an attempt cut short by a dead worker or a restart is closed. */
const INTERRUPTED = { code: "CONNECTION_LOST" satisfies TransferErrorCode, message: INTERRUPTED_MESSAGE, transient: true };

export type ClaimResult =
  | { claimed: true; attemptCount: number }
  | { claimed: false; reason: "gone" | "delivered" | "busy" | "not_queued"; status?: string };

export async function claimTransfer(_system: SystemActor, transferId: string, leaseSeconds: number): Promise<ClaimResult> {
  return inTransaction(async (tx) => {
    const attemptCount = await transfersRepo.claimForSending(tx, transferId, leaseSeconds);
    if (attemptCount !== undefined) {
      // Any attempt still open now was cut short by a dead worker: close it so the history is honest.
      await closeOpenAttempts(tx, [transferId], INTERRUPTED);
      return { claimed: true, attemptCount };
    }
    const current = await transfersRepo.findRelayState(tx, transferId);
    if (!current) return { claimed: false, reason: "gone" };
    if (current.delivered) return { claimed: false, reason: "delivered", status: current.status };
    if (current.status === "sending") return { claimed: false, reason: "busy", status: current.status };
    return { claimed: false, reason: "not_queued", status: current.status };
  });
}

/**
 * Refresh the lease of a transfer this worker is sending. A row put back to "queued" while the
 * attempt runs (an older caller marked it queued after queueing it) is restored to "sending": an
 * open attempt row proves it is still being sent.
 */
export async function renewLease(_system: SystemActor, transferId: string): Promise<void> {
  await transfersRepo.renewSendingLease(await getDb(), transferId);
}

/** Put a claimed transfer back after the worker failed outside a recorded attempt (e.g. a database error). */
export async function releaseClaim(_system: SystemActor, transferId: string): Promise<void> {
  await transfersRepo.releaseSendingClaim(await getDb(), transferId);
}

/**
 * Single owner only (the embedded database): nobody else can be sending, so every "sending" row
 * was interrupted by the previous run of this process. Returns the transfers put back in the queue.
 */
export async function requeueInterruptedSends(_system: SystemActor): Promise<string[]> {
  return inTransaction(async (tx) => {
    const ids = await transfersRepo.requeueAllSending(tx);
    await closeOpenAttempts(tx, ids, INTERRUPTED);
    return ids;
  });
}
