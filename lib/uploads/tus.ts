import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import { EVENTS, Server, type Upload } from "@tus/server";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { transfers } from "@/db/schema";
import type { Actor } from "@/db/queries/actor";
import { insertTransfer, updateTransfer } from "@/db/queries/transfers";
import { currentActor } from "@/lib/auth/session";
import { logger } from "@/lib/logger";
import { tusDirectory } from "@/lib/transfer/staging";
import { acceptStagedFile, loadSendingContext, precheckUpload } from "./accept";
import { blocking } from "./checks";
import { HashingFileStore } from "./hashing-file-store";

export const TUS_PATH = "/api/uploads";

type Rejection = { status_code: number; body: string };
const reject = (status: number, message: string, extra: Record<string, unknown> = {}): Rejection => ({ status_code: status, body: JSON.stringify({ error: message, ...extra }) });

async function requirePartner(): Promise<Actor & { organisationId: string }> {
  const actor = await currentActor();
  if (!actor) throw reject(401, "Your session has ended. Sign in again; the upload resumes where it stopped.");
  if (actor.role !== "partner" || actor.organisationStatus !== "approved" || !actor.organisationId) throw reject(403, "Only partners of an approved organisation can upload files.");
  return actor as Actor & { organisationId: string };
}

/** The transfer row behind an upload id, only if it belongs to the actor's organisation. */
async function transferForUpload(actor: Actor, uploadId: string) {
  const db = await getDb();
  const [row] = await db.select().from(transfers).where(and(eq(transfers.uploadId, uploadId), eq(transfers.organisationId, actor.organisationId ?? "")));
  return row;
}

function metadataOf(upload: Upload) {
  const metadata = upload.metadata ?? {};
  return { name: metadata.filename ?? "", accountId: metadata.accountId ?? "", mode: metadata.mode === "test" ? ("test" as const) : ("production" as const) };
}

function createServer(): Server {
  fs.mkdirSync(tusDirectory(), { recursive: true, mode: 0o700 });
  const store = new HashingFileStore({ directory: tusDirectory() });
  const server = new Server({
    path: TUS_PATH,
    datastore: store,
    relativeLocation: true,
    // Names on disk are ours; the partner's file name is metadata only.
    namingFunction: () => crypto.randomUUID(),
    async onIncomingRequest(req, uploadId) {
      const actor = await requirePartner();
      // Creation (POST) has no upload yet; every other request must name one of the actor's uploads.
      if (req.method !== "POST" && req.method !== "OPTIONS" && !(await transferForUpload(actor, uploadId))) throw reject(404, "Upload not found.");
    },
    async onUploadCreate(_req, upload) {
      const actor = await requirePartner();
      const { name, accountId, mode } = metadataOf(upload);
      if (!/^[0-9a-f-]{36}$/.test(accountId)) throw reject(400, "Choose the payer account to send to.");
      if (upload.size === undefined) throw reject(400, "The upload must announce its size.");
      const findings = await precheckUpload(actor, { accountId, mode, name, size: upload.size }).catch((error: Error) => {
        throw reject(404, error.message);
      });
      if (blocking(findings).length) throw reject(422, blocking(findings)[0].message, { findings });
      const { account } = await loadSendingContext(actor, accountId);
      await insertTransfer({
        organisationId: account.organisationId,
        partnerAccountId: account.id,
        destinationId: account.destinationId,
        kind: "upload",
        mode,
        originalName: name,
        remoteName: name,
        sizeBytes: upload.size,
        sha256: null,
        stagingKey: `tus/${upload.id}`,
        uploadedBy: actor.userId,
        uploaderIp: actor.ip,
        status: "uploading",
      }).then((row) => updateTransfer(row.id, { uploadId: upload.id }));
      return {};
    },
    async onUploadFinish(_req, upload) {
      const actor = await requirePartner();
      const transfer = await transferForUpload(actor, upload.id);
      if (!transfer) throw reject(404, "Upload not found.");
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
      return {
        status_code: 200,
        headers: { "Content-Type": "application/json", "X-Transfer-Id": transfer.id, "X-Transfer-Outcome": result.outcome },
        body: JSON.stringify({ transferId: transfer.id, outcome: result.outcome, findings: result.findings }),
      };
    },
  });
  server.on(EVENTS.POST_TERMINATE, (_req, _res, id: string) => {
    void (async () => {
      const db = await getDb();
      await db
        .update(transfers)
        .set({ status: "failed", stagingKey: null, lastErrorCode: "CANCELLED", lastErrorMessage: "The upload was cancelled before it finished." })
        .where(and(eq(transfers.uploadId, id), eq(transfers.status, "uploading")));
    })().catch((error) => logger.error("could not record a cancelled upload", { error }));
  });
  return server;
}

const serverKey = Symbol.for("edi-portal.tus-server");
type GlobalWithTus = typeof globalThis & { [serverKey]?: Server };

export function tusServer(): Server {
  const holder = globalThis as GlobalWithTus;
  holder[serverKey] ??= createServer();
  return holder[serverKey];
}
