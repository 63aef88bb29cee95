import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { failUploadForStorage, stagedBytesInUse } from "@/lib/transfers/staging/space-records";
import { NotFoundError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { newStagingKey } from "@/lib/transfers/staging/files";
import { discardStagedFile } from "@/lib/transfers/staging/discard";
import { newFileKey } from "@/lib/sealed-files/writer";
import { isOutOfSpaceError, StagingFullError, STORAGE_FULL_MESSAGE } from "@/lib/transfers/staging/space";
import { acceptStagedFile, loadSendingContext, precheckUpload, type AcceptResult } from "@/lib/transfers/intake/accept";
import { blocking, type CheckFinding } from "@/lib/transfers/intake/checks";
import { admitUpload, reportStorageFull } from "@/lib/transfers/staging/storage-full";
import { ApiError, jsonResponse } from "@/lib/api/errors";
import { BodyIncompleteError, BodyOverQuotaError, BodyTooLargeError, stageRequestBody } from "@/lib/transfers/intake/stage-body";
import { overQuota, recordQuotaRefusal, StagingQuotaError, stagingRoomOf } from "@/lib/organisations/quota";
import { transferResource } from "@/lib/api/transfer-resource";
import { parseUploadRequest, type UploadRequest } from "@/lib/transfers/intake/upload-request";

const mebibytes = (bytes: number) => `${(bytes / 1048576).toFixed(bytes < 1048576 ? 2 : 0)} MiB`;

/**
 * A refusal sent before the body was read (or while it still arrives) also closes the connection,
 * so the client stops sending instead of the server draining the rest.
 */
const stopSending = { connection: "close" };

function refused(findings: CheckFinding[]): ApiError {
  const blockers = blocking(findings);
  const tooLarge = blockers.some((finding) => finding.code === "TOO_LARGE");
  return new ApiError(
    tooLarge ? 413 : 422,
    tooLarge ? "FILE_TOO_LARGE" : "FILE_REJECTED",
    `The file was refused and nothing was sent: ${blockers.map((finding) => finding.message).join(" ")}`,
    { findings },
    stopSending,
  );
}

/** 403 QUOTA_EXCEEDED: recorded for the admins, then answered. */
async function quotaRefused(actor: Actor, error: StagingQuotaError, name: string): Promise<StagingQuotaError> {
  await recordQuotaRefusal(actor, error, { channel: "api", target: name });
  return error;
}

/** 507: the staging volume has no room. Not the client's fault: nothing was kept, try again later. */
const storageFull = () => new ApiError(507, "INSUFFICIENT_STORAGE", STORAGE_FULL_MESSAGE, {}, stopSending);

/**
 * The volume filled up after the bytes were staged (the embedded database shares it by default):
 * a row still "received" ends "failed" with the partner's message, and the staged bytes go unless a
 * row that got further (queued) still needs them.
 */
async function abandonStagedFile(actor: Actor, stagingKey: string): Promise<string[]> {
  try {
    const transferIds = await failUploadForStorage(actor, { stagingKey }, STORAGE_FULL_MESSAGE);
    if (!(await stagedBytesInUse(actor, { stagingKey }))) await discardStagedFile(stagingKey);
    return transferIds;
  } catch (error) {
    logger.error("could not clean up an upload that ran out of space", { stagingKey, error });
    return [];
  }
}

async function sendingContext(actor: Actor, upload: UploadRequest) {
  try {
    return await loadSendingContext(actor, upload.accountId);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    throw new ApiError(404, "NOT_FOUND", "Your organisation has no account with the X-Account-Id you sent. Use an account id listed on the Account page, under API tokens.", {}, stopSending);
  }
}

/**
 * `POST /api/v1/transfers`: the same pipeline as a browser upload. Name, announced size and the
 * organisation's staging quota are checked before a byte is read; the body then streams to the
 * staging store (hashed on the way, cut off at the destination's limit or the quota's room) and
 * every pre-relay check runs before the transfer is queued.
 */
export async function receiveTransfer(request: Request, actor: Actor): Promise<Response> {
  const upload = parseUploadRequest(request);
  const { destination, organisation } = await sendingContext(actor, upload);
  // Without Content-Length the size is unknown yet: check the name now (1 byte trips no size rule),
  // the size while streaming and again, with every other check, once the bytes are staged.
  const early = await precheckUpload(actor, { accountId: upload.accountId, mode: upload.mode, name: upload.name, size: upload.declaredSize ?? 1 });
  if (blocking(early).length) throw refused(early);
  // The organisation's staging quota: the announced size must fit in what is left (unannounced:
  // something must be left, and the body is cut off once it outgrows it).
  const room = await stagingRoomOf(actor, organisation.id);
  if (upload.declaredSize !== null ? upload.declaredSize > room.remainingBytes : room.remainingBytes === 0) {
    throw await quotaRefused(actor, overQuota(room.usage.stagedBytes, upload.declaredSize, room.limits).withHeaders(stopSending), upload.name);
  }
  // The announced size must fit on the staging volume with the reserve to spare (unannounced: the reserve must be free).
  if (!(await admitUpload(actor, { channel: "api", declaredBytes: upload.declaredSize }))) throw storageFull();

  const stagingKey = newStagingKey();
  // The file's own data key: the bytes are sealed as they arrive; the key is stored with the transfer row.
  const fileKey = newFileKey();
  try {
    return await stageAndAccept(request, actor, { upload, destination, room, stagingKey, fileKey });
  } finally {
    fileKey.fill(0);
  }
}

async function stageAndAccept(
  request: Request,
  actor: Actor,
  { upload, destination, room, stagingKey, fileKey }: {
    upload: UploadRequest;
    destination: Awaited<ReturnType<typeof loadSendingContext>>["destination"];
    room: Awaited<ReturnType<typeof stagingRoomOf>>;
    stagingKey: string;
    fileKey: Buffer;
  },
): Promise<Response> {
  let staged: { size: number; sha256: string };
  try {
    staged = await stageRequestBody(request.body, stagingKey, fileKey, destination.maxFileBytes, room.remainingBytes);
  } catch (error) {
    if (error instanceof BodyOverQuotaError) {
      // stageRequestBody removed the partial file already.
      throw await quotaRefused(actor, overQuota(room.usage.stagedBytes, null, room.limits).withHeaders(stopSending), upload.name);
    }
    if (error instanceof BodyTooLargeError) {
      const message = `The file is larger than ${mebibytes(error.maxBytes)}, the most ${destination.name} accepts. Split the batch into smaller files.`;
      throw new ApiError(413, "FILE_TOO_LARGE", `The file was refused and nothing was sent: ${message}`, { findings: [{ code: "TOO_LARGE", severity: "block", message }] }, stopSending);
    }
    if (error instanceof BodyIncompleteError) {
      throw new ApiError(400, "UPLOAD_INCOMPLETE", "The connection ended before the whole file arrived, so nothing was kept. Send the file again.");
    }
    if (error instanceof StagingFullError) {
      // stageRequestBody removed the partial file already; no transfer row exists yet.
      await reportStorageFull(actor, { channel: "api", phase: "interrupted", declaredBytes: upload.declaredSize, receivedBytes: error.facts.receivedBytes });
      throw storageFull();
    }
    throw error;
  }

  let result: AcceptResult;
  try {
    result = await acceptStagedFile(actor, {
      accountId: upload.accountId,
      mode: upload.mode,
      originalName: upload.name,
      stagingKey,
      size: staged.size,
      sha256: staged.sha256,
      kind: "api",
      confirmDuplicate: upload.confirmDuplicate,
      fileKey,
    });
  } catch (error) {
    if (error instanceof StagingQuotaError) {
      // Uploads of the same organisation streamed at once, and another one took the room first: no row was added.
      await discardStagedFile(stagingKey);
      throw await quotaRefused(actor, error, upload.name);
    }
    if (!isOutOfSpaceError(error)) throw error;
    const transferIds = await abandonStagedFile(actor, stagingKey);
    await reportStorageFull(actor, { channel: "api", phase: "interrupted", declaredBytes: upload.declaredSize, receivedBytes: staged.size, transferIds });
    throw storageFull();
  }
  if (result.outcome === "rejected" || !result.transfer) throw refused(result.findings);
  return jsonResponse(transferResource(result.transfer), 202, { location: `/api/v1/transfers/${result.transfer.id}` });
}
