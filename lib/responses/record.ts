import "server-only";
import { storeFileKey } from "@/lib/transfers/staging/file-keys";
import { inTransaction, type Transaction } from "@/db/executor";
import * as responsesRepo from "@/db/repositories/response-files";
import * as transfersRepo from "@/db/repositories/transfers";
import type { SystemActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { recordNotificationEvent } from "@/lib/notifications/outbox";
import { responseVerdict, type ResponseFile } from "@/lib/x12/parse-response";
import type { TransferStopCode } from "@/lib/transfers/errors";
import { planLinks, type PlannedLink } from "@/lib/responses/linking";
import { responseEventFor, responseStatusFrom } from "@/lib/responses/status";
import { storedSummary } from "@/lib/responses/summary";
import type { AfterPickup, PickedUpFile } from "@/lib/responses/types";

const NO_RESPONSE: TransferStopCode = "NO_RESPONSE";

export interface PickupContext {
  organisationId: string;
  partnerAccountId: string;
  destinationId: string;
  afterPickup: AfterPickup;
}

export type RecordedPickup = { outcome: "recorded"; responseFileId: string; links: PlannedLink[] } | { outcome: "duplicate" };

/**
 * One picked-up file, recorded in one transaction: the file row, its links to the submissions it
 * answers, each linked transfer's payer response, the outbox events (`transfer.accepted`,
 * `transfer.rejected`, or `response.received` for a file that answers nothing we sent), the file's
 * data key and the audit entry. A file the account already holds (same name and contents) is not recorded twice.
 */
export async function recordPickedUpFile(system: SystemActor, context: PickupContext, file: PickedUpFile & { parsed: ResponseFile }): Promise<RecordedPickup> {
  return inTransaction(async (tx) => {
    const { parsed } = file;
    const row = await responsesRepo.insertResponseFile(tx, {
      organisationId: context.organisationId,
      partnerAccountId: context.partnerAccountId,
      destinationId: context.destinationId,
      remoteName: file.remoteName,
      remoteSize: file.size,
      remoteModifiedAt: file.modifiedAt,
      sha256: file.sha256,
      stagingKey: file.stagingKey,
      kind: parsed.kind,
      verdict: responseVerdict(parsed),
      unreadableReason: parsed.kind === "unreadable" ? parsed.reason : null,
      summary: storedSummary(parsed),
      // Nothing is owed on the payer's server when files stay where they are.
      ...(context.afterPickup === "leave" ? { settledAt: new Date(), settleOutcome: "left" } : {}),
    });
    if (!row) {
      await responsesRepo.rememberListing(tx, context.partnerAccountId, { remoteName: file.remoteName, sha256: file.sha256, remoteSize: file.size, remoteModifiedAt: file.modifiedAt });
      return { outcome: "duplicate" as const };
    }
    // The data key the protocol thread sealed the file with commits with the file's row, or not at all.
    await storeFileKey(file.stagingKey, Buffer.from(file.fileKey), tx);
    const links = await planLinks(tx, parsed, { organisationId: context.organisationId, partnerAccountId: context.partnerAccountId });
    for (const link of links) {
      await responsesRepo.insertResponseLink(tx, { responseFileId: row.id, transferId: link.transferId, stage: link.stage, verdict: link.verdict, headline: link.headline, detail: { ...link.detail } });
    }
    for (const transferId of new Set(links.map((link) => link.transferId))) await updatePayerResponse(tx, transferId);
    await responsesRepo.setLinkedCount(tx, row.id, new Set(links.map((link) => link.transferId)).size);
    if (links.length === 0) await recordNotificationEvent(tx, { type: "response.received", organisationId: context.organisationId, responseFileId: row.id });
    await recordAudit(
      {
        actor: system,
        organisationId: context.organisationId,
        action: "response.picked_up",
        target: `${file.remoteName} (${row.id})`,
        result: "success",
        detail: { kind: parsed.kind, verdict: row.verdict, sha256: file.sha256, linkedTransfers: links.map((link) => link.transferId) },
      },
      tx,
    );
    return { outcome: "recorded" as const, responseFileId: row.id, links };
  });
}

/** A linked transfer's payer response, recomputed from all its links (the row is locked first). */
async function updatePayerResponse(tx: Transaction, transferId: string): Promise<void> {
  const transfer = await transfersRepo.findTransferForResponse(tx, transferId);
  if (!transfer) return;
  const next = responseStatusFrom(await responsesRepo.verdictsOfTransfer(tx, transferId));
  // A late TA1 that only accepts the envelope does not lift "no response": the verdict is still missing.
  if (next === transfer.responseStatus || (next === "awaiting" && transfer.responseStatus === "no_response")) return;
  await transfersRepo.setResponseStatus(tx, transferId, next, NO_RESPONSE);
  const event = responseEventFor(transfer.responseStatus, next);
  // An admin's test file is the admin's business; the organisation hears only of its own files.
  if (event && transfer.kind !== "admin_test") await recordNotificationEvent(tx, { type: event, organisationId: transfer.organisationId, transferId });
}
