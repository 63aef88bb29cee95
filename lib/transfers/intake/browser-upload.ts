import "server-only";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import type { PartnerAccount, Transfer } from "@/db/schema";
import * as transfersRepo from "@/db/repositories/transfers";
import { assertCanWrite, requireApprovedPartner, type Actor } from "@/lib/auth/actor";
import type { TransferStopCode } from "@/lib/transfers/errors";
import { claimStagingRoom } from "@/lib/organisations/quota";
import { newFileKey } from "@/lib/sealed-files/writer";
import { shredFileKey, storeFileKey } from "@/lib/transfers/staging/file-keys";

/*
 * The transfer row of a resumable browser upload (lib/transfers/intake/tus.ts): created with the
 * upload, found again by its upload id, ended if the partner cancels. Accepting the finished file is
 * acceptStagedFile's (accept.ts).
 */

const CANCELLED: TransferStopCode = "CANCELLED";

/** The transfer row behind an upload id, only if it belongs to the actor's organisation. */
export async function findUploadTransfer(actor: Actor, uploadId: string): Promise<Transfer | undefined> {
  const partner = requireApprovedPartner(actor);
  return transfersRepo.findTransferOfUpload(await getDb(), partner.organisationId, uploadId);
}

/**
 * The row of an upload that starts: it never exists without the upload id that ties it to its
 * bytes. `account` is one the actor may send with (loadSendingContext).
 *
 * The same transaction first claims room in the organisation's staging quota (the announced size,
 * and one more unfinished upload) with the organisation's limits locked, so uploads started at the
 * same moment cannot both take the last room. Over a limit: StagingQuotaError, and no row. The
 * upload's data key (its bytes are sealed with it as they arrive) commits with the row.
 */
export async function startUploadTransfer(
  actor: Actor,
  input: { account: PartnerAccount; mode: "test" | "production"; name: string; size: number; uploadId: string; stagingKey: string },
): Promise<Transfer> {
  assertCanWrite(actor, input.account.organisationId, "partner account");
  return inTransaction(async (tx) => {
    await claimStagingRoom(tx, input.account.organisationId, { bytes: input.size, unfinishedUpload: true });
    const fileKey = newFileKey();
    try {
      await storeFileKey(input.stagingKey, fileKey, tx);
    } finally {
      fileKey.fill(0);
    }
    return transfersRepo.insertTransfer(tx, {
      organisationId: input.account.organisationId,
      partnerAccountId: input.account.id,
      destinationId: input.account.destinationId,
      kind: "upload",
      mode: input.mode,
      originalName: input.name,
      remoteName: input.name,
      sizeBytes: input.size,
      sha256: null,
      stagingKey: input.stagingKey,
      uploadedBy: actor.userId,
      uploaderIp: actor.ip,
      status: "uploading",
      uploadId: input.uploadId,
    });
  });
}

/**
 * The partner cancelled (terminated) an upload before it finished: its row, if still "uploading",
 * ends failed, and in the same transaction the upload's data key is destroyed (the tus store has
 * removed the bytes), so nothing of it can be read again.
 */
export async function cancelUploadTransfer(actor: Actor, uploadId: string): Promise<string[]> {
  const partner = requireApprovedPartner(actor);
  return inTransaction(async (tx) => {
    const ids = await transfersRepo.markUploadCancelled(tx, partner.organisationId, uploadId, { code: CANCELLED, message: "The upload was cancelled before it finished." });
    if (ids.length > 0) await shredFileKey(`tus/${uploadId}`, tx);
    return ids;
  });
}
