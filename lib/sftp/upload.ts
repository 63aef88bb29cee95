import "server-only";
import { performance } from "node:perf_hooks";
import { utils, type Stats } from "ssh2";
import { TransferError } from "@/lib/transfers/errors";
import type { UploadStrategy } from "@/lib/transfers/types";
import { pipelinedWrite } from "@/lib/sftp/pipelined-write";
import { findDeliveredCopy, type Reconciled } from "@/lib/sftp/reconcile";
import { remotePathFor } from "@/lib/sftp/remote-dir";
import type { SftpSession } from "@/lib/sftp/session";
import { mapSftpError, SFTP_STATUS, sftpStatusCode } from "@/lib/sftp/sftp-errors";
import { openStagedSource, verifyStagedSource } from "@/lib/transfers/staging/staged-source";

const { OPEN_MODE } = utils.sftp;

export interface UploadOptions {
  localPath: string;
  /** The staged file's data key (sealed on disk); absent or null for a plain file (legacy staging, the diagnosis's test file). */
  localFileKey?: Uint8Array | null;
  remoteDir: string;
  remoteName: string;
  tempSuffix: string;
  strategy: UploadStrategy;
  onProgress?: (bytesSent: number, totalBytes: number) => void;
  signal?: AbortSignal;
  /** SHA-256 (hex) of the local file: recognises our own file already on the server. */
  expectedSha256?: string;
  /** An earlier attempt may have completed: look for the final name before sending. */
  reconcile?: boolean;
  /** Slowest acknowledged rate (bytes/s over RATE_WINDOW_MS) before the upload is stopped. */
  minBytesPerSecond?: number;
}

/** The window over which the minimum rate is judged: long enough to ride out a stall of a few seconds. */
export const RATE_WINDOW_MS = 60_000;

export interface UploadOutcome {
  remotePath: string;
  bytes: number;
  resumedFromByte: number;
  durationMs: number;
  reconciled?: Reconciled;
}

/**
 * Upload to `<name><tempSuffix>`, check the remote size, then rename to the final name, so the
 * payer never picks up a half-written file. A temp file left by a cut connection is continued from
 * its size. "direct" writes the final name (servers that forbid rename) and still checks the size.
 */
export async function uploadFile(session: SftpSession, options: UploadOptions): Promise<UploadOutcome> {
  const { transcript } = session;
  const local = await openStagedSource(options.localPath, options.localFileKey);
  // The remote file this attempt opened for writing, once it has.
  let openedPath: string | undefined;
  try {
    const totalBytes = local.size;
    const remotePath = remotePathFor(options.remoteDir, options.remoteName);
    const writePath = options.strategy === "direct" ? remotePath : `${remotePath}${options.tempSuffix}`;

    if (options.reconcile) {
      const tempPath = writePath !== remotePath ? writePath : undefined;
      const reconciled = await findDeliveredCopy(session, remotePath, { size: totalBytes, sha256: options.expectedSha256, tempPath });
      if (reconciled) {
        session.stage("write", true, `"${remotePath}" was already delivered by an earlier attempt`, { data: { reconciled, remotePath, totalBytes } });
        return { remotePath, bytes: totalBytes, resumedFromByte: totalBytes, durationMs: 0, reconciled };
      }
    }

    // Written straight under its final name, a file must be known sound before its first byte goes.
    if (options.strategy === "direct") await verifyStagedSource(local);

    const existing = await remoteSize(session, writePath);
    const resumeFrom = existing !== undefined && existing <= totalBytes ? existing : 0;
    const flags = resumeFrom > 0 ? OPEN_MODE.WRITE : OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.TRUNC;
    if (resumeFrom > 0)
      transcript.note("upload", `"${writePath}" already holds ${resumeFrom} of ${totalBytes} bytes; resuming from there`);
    else if (existing !== undefined)
      transcript.note("upload", `"${writePath}" exists with ${existing} bytes (more than the file); starting over`);

    const started = performance.now();
    transcript.add("upload", ">", `Opening remote file "${writePath}" for writing`);
    const handle = await session.request<Buffer>(
      `open ${writePath} for writing`,
      (done) => session.sftp.open(writePath, flags, done),
      { missingMeansDir: true },
    );
    transcript.add("upload", "<", "Remote file open");
    openedPath = writePath;

    const chunkSize = writeChunkSize(session);
    // About 4 MiB in flight keeps a long link busy and bounds memory whatever the write size.
    const maxInFlight = Math.max(8, Math.min(64, Math.floor((4 * 1024 * 1024) / chunkSize)));
    transcript.add(
      "upload",
      ">",
      `Sending ${totalBytes - resumeFrom} bytes of "${options.localPath.split("/").pop()}" from offset ${resumeFrom}, ${chunkSize}-byte writes, up to ${maxInFlight} in flight`,
    );
    // Where this attempt starts: its bytes sent are counted from here (lib/transfers/delivery/attempt.ts).
    options.onProgress?.(resumeFrom, totalBytes);
    const idle = session.idleWatch(`writing ${writePath}`);
    const loss = session.lossPromise();
    let ackedSoFar = 0;
    const floor = rateFloor(options.minBytesPerSecond, () => ackedSoFar, (rate) =>
      session.failIdle(
        `writing ${writePath}`,
        `The server acknowledged only ${formatRate(rate * (RATE_WINDOW_MS / 1000), RATE_WINDOW_MS)} over the last minute, below the minimum of ${options.minBytesPerSecond} bytes/s; the link is too slow to finish.`,
      ),
    );
    try {
      await pipelinedWrite({
        writer: session.writes,
        remoteHandle: handle,
        local,
        startOffset: resumeFrom,
        totalBytes,
        chunkSize,
        maxInFlight,
        stopped: loss.promise,
        signal: options.signal,
        onActivity: idle.touch,
        onAcked: (acked) => {
          ackedSoFar = acked;
          options.onProgress?.(resumeFrom + acked, totalBytes);
        },
        mapError: (error) => session.connectionError ?? mapSftpError(error, `write ${writePath}`),
      });
    } catch (error) {
      throw await explainWriteFailure(session, error, writePath, totalBytes - resumeFrom);
    } finally {
      idle.stop();
      floor.stop();
      loss.dispose();
    }
    await session.request<void>(`close ${writePath}`, (done) => session.sftp.close(handle, done));
    const durationMs = Math.round(performance.now() - started);
    const sent = totalBytes - resumeFrom;
    transcript.add("upload", "<", `Transferred ${sent} bytes in ${(durationMs / 1000).toFixed(3)} s (${formatRate(sent, durationMs)})`);

    await verifySize(session, writePath, totalBytes);
    if (writePath !== remotePath) await renameIntoPlace(session, writePath, remotePath, { size: totalBytes, sha256: options.expectedSha256 });
    session.stage("write", true, `Sent ${sent} bytes${resumeFrom ? ` (resumed at ${resumeFrom})` : ""} to "${remotePath}"`, {
      data: { bytes: sent, totalBytes, resumedFromByte: resumeFrom, durationMs, remotePath, viaTempName: writePath !== remotePath },
    });
    return { remotePath, bytes: totalBytes, resumedFromByte: resumeFrom, durationMs };
  } catch (error) {
    const failure = error instanceof TransferError ? error : new TransferError("UNKNOWN", "Upload failed.", { cause: error });
    if (error instanceof TransferError || !(error instanceof Error && error.name === "AbortError")) {
      transcript.add("error", ".", `${failure.code}: ${failure.message}${failure.detail ? ` (${failure.detail})` : ""}`);
      session.stage("write", false, failure.message, { error: failure });
      // Our own copy is bad and nothing will resume this upload: the sound bytes sent before it go too.
      if (failure.code === "STAGED_FILE_DAMAGED" && openedPath) await removeRemote(session, openedPath);
      throw failure;
    }
    throw error;
  } finally {
    await local.close();
  }
}

async function removeRemote(session: SftpSession, remotePath: string): Promise<void> {
  try {
    await session.request<void>(`remove ${remotePath}`, (done) => session.sftp.unlink(remotePath, done));
    session.transcript.note("upload", `removed the partial "${remotePath}"`);
  } catch {
    // Best effort: a leftover partial file never becomes the final one.
  }
}

/** Size of a remote file, or undefined if there is none. */
async function remoteSize(session: SftpSession, remotePath: string): Promise<number | undefined> {
  try {
    const stats = await session.request<Stats>(`stat ${remotePath}`, (done) => session.sftp.stat(remotePath, done));
    return stats.isFile() ? stats.size : undefined;
  } catch (error) {
    const status = sftpStatusCode((error as TransferError).cause);
    if (status === SFTP_STATUS.NO_SUCH_FILE) return undefined;
    throw error;
  }
}

/** ssh2 knows the server's largest accepted write (limits@openssh.com, or 32 KiB-ish otherwise). */
function writeChunkSize(session: SftpSession): number {
  const max = (session.sftp as unknown as { _maxWriteLen?: number })._maxWriteLen;
  return typeof max === "number" && max > 0 ? Math.min(max, 256 * 1024) : 31 * 1024;
}

async function verifySize(session: SftpSession, remotePath: string, expected: number): Promise<void> {
  const size = await remoteSize(session, remotePath);
  session.transcript.add("verify", "<", `Remote size of "${remotePath}": ${size ?? "missing"} (local ${expected})`);
  if (size === expected) return;
  // Start the next attempt from scratch rather than resume on top of a file we cannot trust.
  await session.request<void>(`remove ${remotePath}`, (done) => session.sftp.unlink(remotePath, done)).catch(() => {});
  throw new TransferError("SIZE_MISMATCH", `The server holds ${size ?? "no"} bytes for "${remotePath}", we sent ${expected}.`, {
    detail: `remote ${size ?? "missing"}, local ${expected}`,
  });
}

async function renameIntoPlace(session: SftpSession, from: string, to: string, expected: { size: number; sha256?: string }): Promise<void> {
  const { transcript, sftp } = session;
  let usePosix = true;
  try {
    // Throws synchronously when the server did not advertise posix-rename@openssh.com.
    await session.request<void>(`rename ${from}`, (done) => {
      try {
        sftp.ext_openssh_rename(from, to, done);
      } catch {
        usePosix = false;
        done(null);
      }
    });
    if (usePosix) transcript.add("rename", ">", `posix-rename "${from}" -> "${to}": OK`);
    else {
      await session.request<void>(`rename ${from}`, (done) => sftp.rename(from, to, done));
      transcript.add("rename", ">", `rename "${from}" -> "${to}": OK`);
    }
  } catch (error) {
    if (session.connectionError) throw session.connectionError;
    let detail = error instanceof TransferError ? error.detail : String(error);
    // Plain SFTP rename never replaces a file: say so when that is the reason.
    if ((await remoteSize(session, to).catch(() => undefined)) !== undefined) {
      // "Already exists" with our bytes (same size and SHA-256 read back) is our earlier delivery.
      if (expected.sha256) {
        const same = await findDeliveredCopy(session, to, { ...expected, tempPath: from }).catch(() => undefined);
        if (same === "size-and-sha256") return;
      }
      detail = `${detail}; a file named "${to}" already exists`;
    }
    throw new TransferError("RENAME_REFUSED", `The server refused to rename "${from}" to "${to}".`, { detail, cause: error });
  }
}

/**
 * OpenSSH reports a full disk as a bare SSH_FX_FAILURE "Failure". If the server offers
 * statvfs@openssh.com, ask it whether space ran out, so the relay can say REMOTE_NO_SPACE.
 */
async function explainWriteFailure(session: SftpSession, error: unknown, remotePath: string, remaining: number): Promise<unknown> {
  if (!(error instanceof TransferError) || error.code !== "UNKNOWN") return error;
  if (sftpStatusCode(error.cause) !== SFTP_STATUS.FAILURE) return error;
  try {
    const vfs = await session.request<{ f_bavail: number; f_frsize: number }>("check free space", (done) =>
      session.sftp.ext_openssh_statvfs(remotePath, done as never),
    );
    const free = vfs.f_bavail * vfs.f_frsize;
    if (free < remaining)
      return new TransferError("REMOTE_NO_SPACE", "The server has no space left for the file.", {
        detail: `${error.detail}; statvfs reports ${free} bytes free`,
        cause: error,
      });
  } catch {
    // No statvfs extension: keep the original error.
  }
  return error;
}

/**
 * Judges a slow link by what the server acknowledged, not by keepalives: every RATE_WINDOW_MS the
 * bytes acknowledged in that window must reach minBytesPerSecond on average.
 */
function rateFloor(minBytesPerSecond: number | undefined, acked: () => number, tooSlow: (bytesPerSecond: number) => void): { stop(): void } {
  if (!minBytesPerSecond) return { stop: () => {} };
  let windowStart = acked();
  const timer = setInterval(() => {
    const now = acked();
    const rate = (now - windowStart) / (RATE_WINDOW_MS / 1000);
    windowStart = now;
    if (rate < minBytesPerSecond) tooSlow(rate);
  }, RATE_WINDOW_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function formatRate(bytes: number, ms: number): string {
  if (ms <= 0) return "n/a";
  const perSecond = (bytes * 1000) / ms;
  if (perSecond >= 1024 * 1024) return `${(perSecond / 1024 / 1024).toFixed(2)} MiB/s`;
  return `${(perSecond / 1024).toFixed(1)} KiB/s`;
}
