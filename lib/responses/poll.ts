import "server-only";
import { getDb } from "@/db/client";
import { findDestination } from "@/db/repositories/destinations";
import { findPartnerAccount } from "@/db/repositories/partner-accounts";
import * as responsesRepo from "@/db/repositories/response-files";
import { recordResponsePollOutcome } from "@/db/repositories/response-polls";
import type { SystemActor } from "@/lib/auth/actor";
import { toDestinationSpec } from "@/lib/destinations/spec";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { validateDestinationHost } from "@/lib/net/validate-host";
import { loadDeliveryCredentials } from "@/lib/partner-accounts/service";
import { missingCredential } from "@/lib/transfers/delivery/attempt";
import { isTransferError, TransferError } from "@/lib/transfers/errors";
import { stagingRoot } from "@/lib/transfers/staging/files";
import { discardStagedFile } from "@/lib/transfers/staging/discard";
import { Transcript } from "@/lib/transfers/transcript";
import { pickupResponsesOffThread, settleResponsesOffThread } from "@/lib/workers/calls";
import { responseLocationOf } from "@/lib/responses/location";
import { recordPickedUpFile } from "@/lib/responses/record";
import type { SettleRequest } from "@/lib/responses/types";

export interface ResponsePollOutcome {
  status: "ok" | "failed" | "skipped";
  listed: number;
  recorded: number;
  duplicates: number;
  settled: number;
  tooLarge: number;
  error?: { code: string; message: string };
  /** The poll's protocol transcript (secret-free), for support and tests. */
  transcript: Transcript["lines"];
}

/** Downloads per poll: a payer that dumps a year of files is worked off over several polls. */
const MAX_FILES_PER_POLL = 50;

/**
 * One poll of a partner account's response location, by the relay worker: the listing and the
 * downloads run on a protocol worker thread (pinned host key or certificate, the account's
 * credentials from the vault, the address validated here first), each new file is recorded (and
 * linked) in its own transaction, and only then does the after-pickup action (delete, move) run on
 * the payer's server — a file is never removed there before the portal holds it. The outcome shows
 * on the account's status with the same error codes and guides as deliveries.
 */
export async function pollResponsesOfAccount(system: SystemActor, accountId: string, options: { signal?: AbortSignal } = {}): Promise<ResponsePollOutcome> {
  const db = await getDb();
  const outcome: ResponsePollOutcome = { status: "skipped", listed: 0, recorded: 0, duplicates: 0, settled: 0, tooLarge: 0, transcript: [] };
  const account = await findPartnerAccount(db, accountId);
  const destinationRow = account && (await findDestination(db, account.destinationId));
  const location = destinationRow && responseLocationOf(destinationRow);
  if (!account || !destinationRow || !location || account.disabledAt || destinationRow.disabledAt) return outcome;

  const destination = toDestinationSpec(destinationRow);
  const credentials = await loadDeliveryCredentials(system, accountId);
  const transcript = new Transcript().redact(credentials.password, credentials.passphrase, credentials.privateKey);
  outcome.transcript = transcript.lines;
  const context = { organisationId: account.organisationId, partnerAccountId: account.id, destinationId: destinationRow.id, afterPickup: location.afterPickup };
  try {
    const missing = missingCredential(destination, credentials);
    if (missing) throw missing;
    const target = await validateDestinationHost(destination.host, destination.port, { allowPrivate: env().ALLOW_PRIVATE_DESTINATIONS });
    transcript.note("resolve", `${destination.host} resolved to ${target.address}; looking for responses in "${location.remoteDir}"`);
    const connection = { destination, target, credentials, location, transcript, signal: options.signal };

    const pickup = await pickupResponsesOffThread({
      ...connection,
      known: await responsesRepo.knownRemoteFiles(db, account.id),
      stagingRoot: stagingRoot(),
      stagingPrefix: `responses/${new Date().toISOString().slice(0, 7)}`,
      maxFiles: MAX_FILES_PER_POLL,
      maxFileBytes: destinationRow.maxFileBytes,
    });
    outcome.listed = pickup.listed;
    outcome.tooLarge = pickup.tooLarge.length;
    for (const file of pickup.downloaded) {
      try {
        const recorded = await recordPickedUpFile(system, context, file);
        if (recorded.outcome === "duplicate") {
          outcome.duplicates += 1;
          await discardStagedFile(file.stagingKey);
        } else outcome.recorded += 1;
      } catch (error) {
        // Not recorded, so not known: the next poll fetches it again. Its bytes must not linger unowned.
        await discardStagedFile(file.stagingKey).catch(() => undefined);
        for (const later of pickup.downloaded.slice(pickup.downloaded.indexOf(file) + 1)) await discardStagedFile(later.stagingKey).catch(() => undefined);
        throw error;
      }
    }
    if (pickup.tooLarge.length) logger.warn("payer response files too large to pick up", { accountId, files: pickup.tooLarge });

    if (location.afterPickup !== "leave") outcome.settled = await settleRecordedFiles(connection, account.id);
    await recordResponsePollOutcome(db, account.id, { ok: true });
    outcome.status = "ok";
  } catch (error) {
    const failure = isTransferError(error) ? error : new TransferError("UNKNOWN", "Picking up the payer's responses failed unexpectedly.", { cause: error });
    if (!isTransferError(error)) logger.error("response poll failed unexpectedly", { accountId, error });
    transcript.note("error", `${failure.code}: ${failure.message}${failure.detail ? ` (${failure.detail})` : ""}`);
    await recordResponsePollOutcome(db, account.id, { ok: false, code: failure.code, message: failure.message });
    outcome.status = "failed";
    outcome.error = { code: failure.code, message: failure.message };
  }
  return outcome;
}

/** Delete or move, on the payer's server, every recorded file whose action is still owed. */
async function settleRecordedFiles(connection: Omit<SettleRequest, "names">, accountId: string): Promise<number> {
  const db = await getDb();
  const owed = await responsesRepo.unsettledFiles(db, accountId);
  if (owed.length === 0) return 0;
  const result = await settleResponsesOffThread({ ...connection, names: [...new Set(owed.map((file) => file.remoteName))] });
  let settled = 0;
  for (const entry of result.settled) {
    const ids = owed.filter((file) => file.remoteName === entry.name).map((file) => file.id);
    if (entry.error) {
      for (const id of ids) await responsesRepo.noteSettleError(db, id, `${entry.error.code}: ${entry.error.message}`);
      continue;
    }
    await responsesRepo.markSettled(db, ids, entry.outcome, null);
    settled += ids.length;
  }
  return settled;
}
