import "server-only";
import { isHandedBack } from "@/lib/transfers/queue/hand-back";
import fs from "node:fs";
import { getDb } from "@/db/client";
import type { Transfer } from "@/db/schema";
import { findDestination } from "@/db/repositories/destinations";
import { loadDeliveryCredentials } from "@/lib/partner-accounts/service";
import { finishAttempt, loadTransferForRelay, startAttempt, type AttemptEndStatus, type AttemptOutcome, type RelayActor } from "@/lib/transfers/records";
import { toDestinationSpec } from "@/lib/destinations/spec";
import { logger } from "@/lib/logger";
import { deliverToDestination } from "@/lib/transfers/delivery/engine";
import { isTransferError, TransferError } from "@/lib/transfers/errors";
import { stagingPath } from "@/lib/transfers/staging/files";
import { loadFileKey } from "@/lib/transfers/staging/file-keys";
import { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, UpstreamCredentials } from "@/lib/transfers/types";

export interface AttemptResult {
  status: Transfer["status"];
  error?: TransferError;
  /** The recorded attempt's number (attempt N of the transfer, as its page shows it); absent when none was recorded. */
  attemptNumber?: number;
}

/** How long a worker keeps trying to record an attempt's outcome while the database is away. */
export const RECORD_RETRY_MS = 10 * 60_000;
const RECORD_BACKOFF_MS = [250, 500, 1000, 2000, 5000];

/**
 * Writes an attempt's outcome, retrying while the database is unreachable: a file that reached the
 * payer must be recorded as delivered, not sent again by a retry that never knew. Gives up after
 * `maxMs`; the next worker then checks the payer before sending (DeliveryRequest.reconcile).
 */
async function recordUntilStored(write: () => Promise<void>, transferId: string, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (let failures = 0; ; failures++) {
    try {
      await write();
      if (failures > 0) logger.info("relay attempt recorded after the database came back", { transferId, failures });
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      if (failures === 0) logger.warn("relay attempt could not be recorded; retrying until the database answers", { transferId, error });
      await new Promise((resolve) => setTimeout(resolve, RECORD_BACKOFF_MS[Math.min(failures, RECORD_BACKOFF_MS.length - 1)]));
    }
  }
}

/** The credential a destination needs and the account lacks, as the error a delivery (or a response poll) stops with. */
export function missingCredential(destination: DestinationSpec, credentials: UpstreamCredentials): TransferError | null {
  const needsPassword = destination.protocol !== "sftp" || destination.auth !== "key";
  const needsKey = destination.protocol === "sftp" && destination.auth !== "password";
  if (needsPassword && !credentials.password) return new TransferError("CREDENTIALS_MISSING", "No upstream password is stored for this account. Set it on the Keys & credentials page.");
  if (needsKey && !credentials.privateKey) return new TransferError("CREDENTIALS_MISSING", "This destination needs an RSA key and the account has none we can use. Generate or upload one on the Keys & credentials page.");
  return null;
}

/**
 * One delivery attempt of a transfer, recorded with its transcript. Transient failures go back to
 * "queued" (or "failed" on the last attempt); permanent ones stop at "needs_attention" at once.
 * Run by the relay worker, or by an admin for the "send test file" button.
 */
export async function runDeliveryAttempt(
  actor: RelayActor,
  transferId: string,
  options: { isLastAttempt: boolean; signal?: AbortSignal; recordRetryMs?: number; minBytesPerSecond?: number },
): Promise<AttemptResult> {
  const transfer = await loadTransferForRelay(actor, transferId);
  if (!transfer) throw new Error(`transfer ${transferId} not found`);
  if (transfer.status === "delivered") return { status: "delivered" };

  const destinationRow = await findDestination(await getDb(), transfer.destinationId);
  if (!destinationRow) throw new Error(`destination ${transfer.destinationId} of transfer ${transferId} not found`);
  const destination = toDestinationSpec(destinationRow);
  const credentials = await loadDeliveryCredentials(actor, transfer.partnerAccountId);
  const transcript = new Transcript().redact(credentials.password, credentials.passphrase, credentials.privateKey);
  const attempt = await startAttempt(actor, transferId);
  const started = Date.now();
  transcript.note("connect", `Attempt ${attempt.number}: ${transfer.originalName} (${transfer.sizeBytes} bytes) to ${destination.name} as ${credentials.username}`);

  let outcome: AttemptOutcome;
  let status: AttemptEndStatus;
  let failure: TransferError | undefined;
  let localFileKey: Buffer | null = null;
  // Where the upload started (a resumed one: the bytes already on the server) and how far the server
  // acknowledged it: a failed attempt records what it did send, not 0.
  const progress: { from?: number; reached?: number } = {};
  const onProgress = (sent: number) => {
    progress.from ??= sent;
    progress.reached = Math.max(progress.reached ?? 0, sent);
  };
  try {
    if (destinationRow.disabledAt) throw new TransferError("DESTINATION_BLOCKED", "This destination is disabled by an administrator.");
    const localPath = transfer.stagingKey ? stagingPath(transfer.stagingKey) : null;
    if (!localPath || !fs.existsSync(localPath)) throw new TransferError("LOCAL_FILE_MISSING", "The staged copy of this file is no longer on the portal; upload it again.");
    const missing = missingCredential(destination, credentials);
    if (missing) throw missing;
    // The file is sealed on disk: the protocol thread decrypts it with this key as it sends.
    localFileKey = await loadFileKey(transfer.stagingKey!);
    const result = await deliverToDestination({
      destination,
      credentials,
      localPath,
      localFileKey,
      remoteName: transfer.remoteName,
      transcript,
      signal: options.signal,
      expectedSha256: transfer.sha256 ?? undefined,
      // An earlier attempt may have put the file in place before it was cut off or went unrecorded.
      reconcile: attempt.number > 1,
      minBytesPerSecond: options.minBytesPerSecond,
      onProgress,
    });
    outcome = {
      bytes: result.bytes,
      durationMs: result.durationMs,
      resumedFromByte: result.resumedFromByte,
      remotePath: result.remotePath,
      negotiated: { ...result.negotiated },
      transcript: transcript.lines,
    };
    status = "delivered";
  } catch (error) {
    // Handed back at shutdown: whatever the cut connection reported, the cause is ours (RELAY_INTERRUPTED).
    failure = isHandedBack(options.signal) ? (options.signal!.reason as TransferError) : isTransferError(error) ? error : new TransferError("UNKNOWN", "The relay failed unexpectedly.", { cause: error });
    if (!isTransferError(error) && !isHandedBack(options.signal)) logger.error("relay attempt failed unexpectedly", { transferId, error });
    // The protocol layer usually wrote this error into the transcript already: once is enough.
    transcript.addFinalError(failure.code, failure.message, failure.detail);
    outcome = {
      bytes: progress.reached ?? 0,
      resumedFromByte: progress.from ?? 0,
      durationMs: Date.now() - started,
      transcript: transcript.lines,
      error: { code: failure.code, message: failure.message, detail: failure.detail, transient: failure.transient },
    };
    // A relay handed back at shutdown was not the payer's doing: it never ends the transfer as failed.
    status = failure.transient ? (options.isLastAttempt && !isHandedBack(options.signal) ? "failed" : "queued") : "needs_attention";
  } finally {
    localFileKey?.fill(0);
  }
  await recordUntilStored(() => finishAttempt(actor, attempt, outcome, status), transferId, options.recordRetryMs ?? RECORD_RETRY_MS);
  return { status, error: failure, attemptNumber: attempt.number };
}
