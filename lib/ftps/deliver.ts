import "server-only";
import path from "node:path";
import { TransferError } from "@/lib/transfers/errors";
import type { Transcript } from "@/lib/transfers/transcript";
import type { DeliveryRequest, DeliveryResult } from "@/lib/transfers/types";
import { assertSafeFtpName } from "@/lib/ftps/names";
import { openFtpsSession, type FtpsSession } from "@/lib/ftps/session";
import type { StagedFileReader } from "@/lib/sealed-files/reader";
import { openStagedSource, verifyStagedSource } from "@/lib/transfers/staging/staged-source";

function formatRate(bytes: number, ms: number): string {
  const perSecond = bytes / Math.max(ms / 1000, 0.001);
  if (perSecond >= 1024 * 1024) return `${(perSecond / (1024 * 1024)).toFixed(1)} MiB/s`;
  if (perSecond >= 1024) return `${(perSecond / 1024).toFixed(1)} KiB/s`;
  return `${perSecond.toFixed(0)} B/s`;
}

/**
 * Is our file already on the server under its final name (an earlier attempt renamed it into place
 * and then lost its connection, or could not record the outcome)? The same SIZE, and the same
 * SHA-256 when the server lets us RETR it, means delivered; a leftover temp file is then removed.
 */
async function findDeliveredCopy(
  session: FtpsSession,
  transcript: Transcript,
  expected: { remoteName: string; uploadName?: string; size: number; sha256?: string },
): Promise<"size" | "size-and-sha256" | undefined> {
  const { remoteName, uploadName, size, sha256 } = expected;
  const notes = (message: string) => transcript.note("verify", message);
  const found = await session.size(remoteName);
  if (found === undefined) return undefined;
  if (found !== size) {
    notes(`${remoteName} already exists with ${found} bytes, not ${size}: it is another file; sending ours`);
    return undefined;
  }
  let how: "size" | "size-and-sha256" = "size";
  if (sha256) {
    const remoteHash = await session.readSha256(remoteName);
    if (remoteHash === undefined) notes(`${remoteName} has the expected size; the server does not let us read it back, so the size decides`);
    else if (remoteHash !== sha256) {
      notes(`${remoteName} has the expected size but another SHA-256 (${remoteHash.slice(0, 12)}…): it is another file; sending ours`);
      return undefined;
    } else how = "size-and-sha256";
  }
  if (uploadName && (await session.size(uploadName)) !== undefined) {
    await session.remove(uploadName).then(
      () => notes(`removed ${uploadName} left by an earlier attempt`),
      () => notes(`could not remove ${uploadName} left by an earlier attempt`),
    );
  }
  notes(
    how === "size-and-sha256"
      ? `${remoteName} is already on the server with the same size and SHA-256: an earlier attempt delivered it; recorded as delivered without sending it again`
      : `${remoteName} is already on the server with the same size (${size} bytes): an earlier attempt delivered it; recorded as delivered without sending it again`,
  );
  return how;
}

/** Our own copy is bad and nothing will resume this upload: the sound bytes sent before it go too (best effort). */
async function removePartial(session: FtpsSession, transcript: Transcript, name: string): Promise<void> {
  try {
    await session.remove(name);
    transcript.note("upload", `removed the partial ${name}`);
  } catch {
    // A leftover partial file never becomes the final one.
  }
}

/**
 * Deliver one staged file: upload `<name><tempSuffix>` (continuing a partial temp file left by a
 * dropped connection), check its size with SIZE, then RNFR/RNTO to the final name. With the
 * "direct" strategy the final name is written from the start and still size-checked.
 */
export async function deliverOverFtps(request: DeliveryRequest): Promise<DeliveryResult> {
  const { destination, localPath, remoteName, signal } = request;
  const started = Date.now();
  const uploadName = destination.uploadStrategy === "direct" ? remoteName : `${remoteName}${destination.tempSuffix}`;
  assertSafeFtpName(remoteName, "file name");
  assertSafeFtpName(uploadName, "temporary file name");
  assertSafeFtpName(destination.remoteDir, "remote directory");
  if (remoteName.includes("/") || remoteName === "" || remoteName === "." || remoteName === "..") {
    throw new TransferError("UNKNOWN", "Refused: the remote file name must be a plain name.", { detail: JSON.stringify(remoteName) });
  }

  if (signal?.aborted) throw new TransferError("CONNECTION_LOST", "The transfer was cancelled by the portal.", { detail: "aborted before connecting" });

  const local = await openStagedSource(localPath, request.localFileKey);
  try {
    return await deliverStagedFile(request, local, started);
  } finally {
    await local.close();
  }
}

async function deliverStagedFile(request: DeliveryRequest, local: StagedFileReader, started: number): Promise<DeliveryResult> {
  const { destination, target, credentials, remoteName, transcript, signal, onProgress, expectedSha256 } = request;
  const direct = destination.uploadStrategy === "direct";
  const uploadName = direct ? remoteName : `${remoteName}${destination.tempSuffix}`;
  const totalBytes = local.size;
  // Written straight under its final name, a file must be known sound before its first byte goes.
  if (direct) await verifyStagedSource(local);

  const session: FtpsSession = await openFtpsSession(destination, target, credentials, transcript, {}, { signal });
  try {
    if (destination.remoteDir && destination.remoteDir !== ".") await session.cd(destination.remoteDir);
    const remotePath = path.posix.join(destination.remoteDir || ".", remoteName);

    if (request.reconcile) {
      const reconciled = await findDeliveredCopy(session, transcript, { remoteName, uploadName: direct ? undefined : uploadName, size: totalBytes, sha256: expectedSha256 });
      if (reconciled) {
        await session.close();
        transcript.note("close", `"${remotePath}" (${totalBytes} bytes) was already delivered; nothing sent`);
        return { remotePath, bytes: totalBytes, durationMs: Date.now() - started, resumedFromByte: totalBytes, negotiated: { ...session.negotiated }, reconciled };
      }
    }

    // A previous attempt that lost its connection leaves a partial temp file: continue it.
    session.setTranscriptStage("upload");
    let resumeFrom = 0;
    if (!direct) {
      const existing = await session.size(uploadName);
      if (existing !== undefined && existing > 0 && existing <= totalBytes) {
        resumeFrom = existing;
        transcript.note("upload", `found ${uploadName} with ${existing} of ${totalBytes} bytes from an earlier attempt: resuming`);
      } else if (existing !== undefined && existing > totalBytes) {
        transcript.note("upload", `found ${uploadName} larger than the local file (${existing} > ${totalBytes}): starting over`);
      }
    }

    const toSend = totalBytes - resumeFrom;
    const uploadStarted = Date.now();
    if (toSend > 0 || resumeFrom === 0) {
      // Where this attempt starts: its bytes sent are counted from here (lib/transfers/delivery/attempt.ts).
      onProgress?.(resumeFrom, totalBytes);
      // A damaged segment ends the upload with its own error, not the data connection's it causes.
      let localFailure: unknown;
      try {
        await session.upload(local, uploadName, resumeFrom > 0 ? "APPE" : "STOR", {
          start: resumeFrom,
          end: totalBytes,
          onSent: (position) => onProgress?.(position, totalBytes),
          onLocalFailure: (error) => (localFailure = error),
        });
      } catch (error) {
        if (localFailure) await removePartial(session, transcript, uploadName);
        throw localFailure ?? error;
      }
      if (localFailure) {
        await removePartial(session, transcript, uploadName);
        throw localFailure;
      }
      const ms = Date.now() - uploadStarted;
      transcript.note("upload", `sent ${toSend} bytes${resumeFrom ? ` (resumed at byte ${resumeFrom})` : ""} in ${ms} ms, ${formatRate(toSend, ms)}`);
    } else {
      transcript.note("upload", "the earlier attempt had already sent every byte");
    }

    session.setTranscriptStage("verify");
    const remoteSize = await session.size(uploadName);
    if (remoteSize !== totalBytes) {
      throw new TransferError("SIZE_MISMATCH", undefined, {
        detail: `${uploadName} is ${remoteSize ?? "missing"} bytes on the server, the local file is ${totalBytes} bytes`,
      });
    }
    transcript.note("verify", `size verified: ${remoteSize} bytes`);

    if (!direct) {
      try {
        await session.rename(uploadName, remoteName);
        transcript.note("rename", `renamed ${uploadName} to ${remoteName}`);
      } catch (error) {
        // "Already exists" with our bytes (same size, SHA-256 read back) is our own earlier delivery.
        const same = expectedSha256
          ? await findDeliveredCopy(session, transcript, { remoteName, uploadName, size: totalBytes, sha256: expectedSha256 }).catch(() => undefined)
          : undefined;
        if (same !== "size-and-sha256") throw error;
      }
    }
    await session.close();
    const durationMs = Date.now() - started;
    transcript.note("close", `delivered ${totalBytes} bytes in ${durationMs} ms`);
    return {
      remotePath,
      bytes: totalBytes,
      durationMs,
      resumedFromByte: resumeFrom,
      negotiated: { ...session.negotiated },
    };
  } catch (error) {
    session.abort();
    throw error;
  }
}
