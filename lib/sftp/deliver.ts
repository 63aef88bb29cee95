import "server-only";
import { stat } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { TransferError } from "@/lib/transfers/errors";
import type { DeliveryRequest, DeliveryResult } from "@/lib/transfers/types";
import { changeDirectory, listDirectory } from "@/lib/sftp/remote-dir";
import { openSftpSession } from "@/lib/sftp/session";
import { uploadFile } from "@/lib/sftp/upload";

/**
 * One delivery attempt: connect, authenticate, check the directory, upload (resuming a temp file a
 * previous attempt left behind), verify, rename. The relay retries transient failures by calling
 * this again.
 */
export async function deliverViaSftp(request: DeliveryRequest): Promise<DeliveryResult> {
  const { destination, transcript } = request;
  const started = performance.now();
  try {
    await stat(request.localPath);
  } catch (cause) {
    throw new TransferError("LOCAL_FILE_MISSING", "The staged file is no longer on the portal.", { cause });
  }

  const session = await openSftpSession(destination, request.target, request.credentials, transcript, {}, {
    signal: request.signal,
  });
  try {
    const directory = await changeDirectory(session, destination.remoteDir);
    try {
      await listDirectory(session, directory);
    } catch (error) {
      // Many payers' drop boxes are write-only: a refused listing is worth a note, not a failure.
      if (session.connectionError) throw session.connectionError;
      if (!(error instanceof TransferError) || error.code !== "REMOTE_PERMISSION") throw error;
    }
    const outcome = await uploadFile(session, {
      localPath: request.localPath,
      localFileKey: request.localFileKey,
      remoteDir: destination.remoteDir,
      remoteName: request.remoteName,
      tempSuffix: destination.tempSuffix,
      strategy: destination.uploadStrategy,
      onProgress: request.onProgress,
      signal: request.signal,
      expectedSha256: request.expectedSha256,
      reconcile: request.reconcile,
      minBytesPerSecond: request.minBytesPerSecond,
    });
    const durationMs = Math.round(performance.now() - started);
    transcript.note("close", outcome.reconciled
      ? `"${outcome.remotePath}" (${outcome.bytes} bytes) was already delivered; nothing sent (${durationMs} ms)`
      : `Delivered "${outcome.remotePath}" (${outcome.bytes} bytes) in ${durationMs} ms`);
    return {
      remotePath: outcome.remotePath,
      bytes: outcome.bytes,
      durationMs,
      resumedFromByte: outcome.resumedFromByte,
      negotiated: { ...session.negotiated },
      ...(outcome.reconciled ? { reconciled: outcome.reconciled } : {}),
    };
  } finally {
    await session.close();
  }
}
