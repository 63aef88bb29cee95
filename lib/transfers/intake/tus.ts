import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import { EVENTS, Server, type Upload } from "@tus/server";
import type { Actor } from "@/lib/auth/actor";
import { failUploadForStorage, stagedBytesInUse } from "@/lib/transfers/staging/space-records";
import { cancelUploadTransfer, findUploadTransfer, startUploadTransfer } from "@/lib/transfers/intake/browser-upload";
import { currentActor } from "@/lib/auth/session";
import type { ErrorCode } from "@/lib/errors";
import { codeForStatus, errorJson } from "@/lib/http/error-response";
import { logger } from "@/lib/logger";
import { tusDirectory } from "@/lib/transfers/staging/files";
import { isOutOfSpaceError, StagingFullError, STORAGE_FULL_MESSAGE } from "@/lib/transfers/staging/space";
import { acceptStagedFile, loadSendingContext, precheckUpload, type AcceptResult } from "@/lib/transfers/intake/accept";
import { blocking, type CheckFinding } from "@/lib/transfers/intake/checks";
import type { Transfer } from "@/db/schema";
import { SealingFileStore } from "@/lib/transfers/intake/sealing-file-store";
import { loadFileKey, shredFileKey } from "@/lib/transfers/staging/file-keys";
import { admitUpload, reportStorageFull } from "@/lib/transfers/staging/storage-full";
import { runtime } from "@/lib/runtime";
import { recordQuotaRefusal, StagingQuotaError } from "@/lib/organisations/quota";
import { UPLOAD_EXPIRED_CODE } from "@/lib/transfers/staging/unfinished-uploads";
import { uploadLocker } from "@/lib/transfers/intake/tus-locker";

export const TUS_PATH = "/api/uploads";

/** The answer to GET on an upload (here and in the route): uploaded files are never served back. */
export const UPLOADS_NOT_SERVED =
  "Uploaded files are never served back by the portal. A HEAD request tells how much of an upload has arrived; the Transfers page shows what became of a file.";

type Rejection = { status_code: number; body: string };
// The portal's one error body (lib/http/error-response.ts); tus's own protocol answers keep theirs.
const reject = (status: number, message: string, extra: Record<string, unknown> = {}, code: ErrorCode = codeForStatus(status)): Rejection => ({
  status_code: status,
  body: errorJson(code, message, extra),
});

async function requirePartner(): Promise<Actor & { organisationId: string }> {
  const actor = await currentActor();
  if (!actor) throw reject(401, "Your session has ended. Sign in again; the upload resumes where it stopped.");
  if (actor.role !== "partner" || actor.organisationStatus !== "approved" || !actor.organisationId) throw reject(403, "Only partners of an approved organisation can upload files.");
  return actor as Actor & { organisationId: string };
}

/** An answer we (or tus itself) chose on purpose, as opposed to an unexpected error. */
function isAnswer(error: unknown): error is Rejection {
  return typeof error === "object" && error !== null && typeof (error as Rejection).status_code === "number" && typeof (error as Rejection).body === "string";
}

/** The upload id in a request to an existing upload (`/api/uploads/<id>`), if any. */
function uploadIdOf(req: Request): string | undefined {
  const last = new URL(req.url).pathname.split("/").pop() ?? "";
  return /^[0-9a-f-]{36}$/.test(last) ? last : undefined;
}

function metadataOf(upload: Upload) {
  const metadata = upload.metadata ?? {};
  return { name: metadata.filename ?? "", accountId: metadata.accountId ?? "", mode: metadata.mode === "test" ? ("test" as const) : ("production" as const) };
}

/** What the request that completes an upload answers: the transfer and what became of it. */
function finishAnswer(transferId: string, outcome: AcceptResult["outcome"], findings: CheckFinding[]) {
  return {
    status_code: 200,
    headers: { "Content-Type": "application/json", "X-Transfer-Id": transferId, "X-Transfer-Outcome": outcome },
    body: JSON.stringify({ transferId, outcome, findings }),
  };
}

/** The same answer for an upload accepted (or rejected by the checks) earlier. */
function finished(transfer: Transfer) {
  const outcome = transfer.status === "failed" ? "rejected" : transfer.awaitingConfirmation ? "awaiting_confirmation" : "queued";
  return finishAnswer(transfer.id, outcome, transfer.checks as CheckFinding[]);
}

function createServer(): Server {
  fs.mkdirSync(tusDirectory(), { recursive: true, mode: 0o700 });
  // Each upload is sealed under its own data key, stored with its transfer row when the upload starts.
  // An upload that will never finish loses its key first (crypto-shredding), then its bytes: the
  // store's remove (a tus DELETE) and discard both do it in that order.
  const store = new SealingFileStore({
    directory: tusDirectory(),
    fileKey: (id) => loadFileKey(`tus/${id}`),
    shredKey: (id) => shredFileKey(`tus/${id}`),
  });
  const discardUpload = (uploadId: string) => store.discard(uploadId);
  const server = new Server({
    path: TUS_PATH,
    datastore: store,
    relativeLocation: true,
    // Two instances (or two requests) never write one upload at once: PostgreSQL advisory locks
    // across instances (lib/transfers/intake/tus-locker.ts), tus's in-memory locker on the embedded database.
    locker: uploadLocker(),
    // Names on disk are ours; the partner's file name is metadata only.
    namingFunction: () => crypto.randomUUID(),
    // A finished upload's bytes belong to its transfer (queued, being sent): a DELETE must not remove them.
    disableTerminationForFinishedUploads: true,
    async onIncomingRequest(req, uploadId) {
      const actor = await requirePartner();
      // Files are never served back (SECURITY.md): the route refuses GET first; this holds for any caller of the server.
      if (req.method === "GET") throw reject(405, UPLOADS_NOT_SERVED, {}, "METHOD_NOT_ALLOWED");
      // Creation (POST) has no upload yet; every other request must name one of the actor's uploads.
      if (req.method === "POST" || req.method === "OPTIONS") return;
      const transfer = await findUploadTransfer(actor, uploadId);
      if (!transfer) throw reject(404, "Upload not found.");
      // Removed by the unfinished-upload expiry: say so (a resuming client starts a new upload on a 4xx HEAD).
      if (transfer.status === "failed" && transfer.lastErrorCode === UPLOAD_EXPIRED_CODE) throw reject(410, transfer.lastErrorMessage ?? "This upload was removed. Upload the file again.", {}, "NOT_FOUND");
    },
    async onUploadCreate(_req, upload) {
      const actor = await requirePartner();
      const { name, accountId, mode } = metadataOf(upload);
      if (!/^[0-9a-f-]{36}$/.test(accountId)) throw reject(400, "Choose the payer account to send to.");
      if (upload.size === undefined) throw reject(400, "The upload must announce its size.");
      const findings = await precheckUpload(actor, { accountId, mode, name, size: upload.size }).catch((error: Error) => {
        throw reject(404, error.message);
      });
      if (blocking(findings).length) throw reject(422, blocking(findings)[0].message, { findings }, "FILE_REJECTED");
      // The declared size must fit on the staging volume with the reserve to spare, before a byte is stored.
      if (!(await admitUpload(actor, { channel: "browser", declaredBytes: upload.size }))) throw reject(507, STORAGE_FULL_MESSAGE);
      const { account } = await loadSendingContext(actor, accountId);
      // One transaction: the organisation's staging quota is claimed and the row added (a row never
      // exists without the upload id that ties it to its bytes). Refused: nothing is stored.
      try {
        await startUploadTransfer(actor, { account, mode, name, size: upload.size, uploadId: upload.id, stagingKey: `tus/${upload.id}` });
      } catch (error) {
        if (!(error instanceof StagingQuotaError)) throw error;
        await recordQuotaRefusal(actor, error, { channel: "browser", target: name });
        throw reject(error.status, error.message, {}, error.code);
      }
      return {};
    },
    async onUploadFinish(_req, upload) {
      const actor = await requirePartner();
      const transfer = await findUploadTransfer(actor, upload.id);
      if (!transfer) throw reject(404, "Upload not found.");
      if (transfer.status !== "uploading") {
        // A repeated final request (its answer was lost): the same answer again, nothing accepted twice.
        if (transfer.status !== "failed" || transfer.lastErrorCode === "CHECK_FAILED") return finished(transfer);
        // Its last bytes arrived after the upload was ended (expired or cancelled meanwhile): nothing is accepted or kept.
        if (!(await stagedBytesInUse(actor, { uploadId: upload.id }))) await discardUpload(upload.id);
        throw reject(410, transfer.lastErrorMessage ?? "This upload was ended before it finished. Upload the file again.", {}, "NOT_FOUND");
      }
      const { name, accountId, mode } = metadataOf(upload);
      const stagingKey = `tus/${upload.id}`;
      const result = await acceptStagedFile(actor, {
        accountId,
        mode,
        originalName: name,
        stagingKey,
        size: upload.size ?? upload.offset,
        sha256: await store.digest(upload.id, upload.size ?? upload.offset),
        kind: "upload",
        existingTransferId: transfer.id,
      });
      return finishAnswer(transfer.id, result.outcome, result.findings);
    },
    async onResponseError(req, error) {
      // Refusals (ours and the protocol's) go out as they are.
      if (isAnswer(error)) return undefined;
      if (isOutOfSpaceError(error)) return outOfSpace(req, error);
      // Anything else is a fault on our side: its text (a path, a database error) is for the log only.
      const reference = crypto.randomUUID().slice(0, 8);
      logger.error("upload request failed", { method: req.method, uploadId: uploadIdOf(req), reference, error });
      return reject(500, `Something went wrong on our side. Retry in a minute: the upload resumes where it stopped. If it keeps happening, contact support and quote reference ${reference}.`);
    },
  });

  /**
   * The volume filled up while an upload was created, received or accepted: the upload is
   * terminated (its bytes and info file removed, so the space is free again and the partner can
   * start over), its transfer row ends "failed" with the partner's message, and it is reported once.
   */
  async function outOfSpace(req: Request, error: unknown): Promise<Rejection> {
    const facts = error instanceof StagingFullError ? error.facts : undefined;
    const uploadId = facts?.uploadId ?? uploadIdOf(req);
    let transferIds: string[] = [];
    let declaredBytes = facts?.declaredBytes ?? null;
    // The request passed onIncomingRequest, so its partner is known (unless the session ended just now).
    const actor = await currentActor().catch(() => null);
    if (uploadId) {
      if (declaredBytes === null) declaredBytes = (await store.getUpload(uploadId).catch(() => undefined))?.size ?? null;
      try {
        // The row first (one conditional statement), then the bytes: unless a row that got further
        // (queued: its bytes are complete) still needs them. The store removed them itself when the write failed.
        if (actor) {
          transferIds = await failUploadForStorage(actor, { uploadId }, STORAGE_FULL_MESSAGE);
          if (!(await stagedBytesInUse(actor, { uploadId }))) await discardUpload(uploadId);
        } else {
          logger.warn("an upload ran out of space after its session ended; its row and bytes are left as they are", { uploadId });
        }
      } catch (cause) {
        logger.error("could not clean up an upload that ran out of space", { uploadId, error: cause });
      }
    }
    await reportStorageFull(actor, { channel: "browser", phase: "interrupted", declaredBytes, receivedBytes: facts?.receivedBytes ?? 0, uploadId, transferIds });
    return reject(507, STORAGE_FULL_MESSAGE);
  }

  server.on(EVENTS.POST_TERMINATE, (_req, _res, id: string) => {
    // Emitted while the DELETE request (which passed onIncomingRequest) is handled: its partner is the actor.
    void (async () => {
      const actor = await requirePartner();
      await cancelUploadTransfer(actor, id);
    })().catch((error) => logger.error("could not record a cancelled upload", { error }));
  });
  return server;
}

/** The runtime's one tus server, made on the first upload (lib/runtime: its `tus`). */
export function tusServer(): Server {
  return runtime().tus.get(createServer);
}
