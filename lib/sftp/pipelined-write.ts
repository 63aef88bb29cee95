import "server-only";
import type { FileHandle } from "node:fs/promises";
import type { SFTPWrapper } from "ssh2";
import { TransferError } from "@/lib/transfer/errors";

export interface PipelinedWriteOptions {
  sftp: SFTPWrapper;
  remoteHandle: Buffer;
  local: FileHandle;
  startOffset: number;
  totalBytes: number;
  /** 32 KiB is the write size every SFTP server accepts (OpenSSH, GlobalSCAPE, ssh2). */
  chunkSize?: number;
  /** Requests in flight; the link stays full even on long round trips (64 x 32 KiB = 2 MiB). */
  maxInFlight?: number;
  onAcked?(bytesAcked: number): void;
  /** Called on every server reply, so the caller's idle watchdog sees progress. */
  onActivity?(): void;
  /** Rejects when the connection is gone; we stop issuing writes and fail with its error. */
  stopped: Promise<never>;
  mapError(error: unknown): TransferError;
  signal?: AbortSignal;
}

/**
 * Upload [startOffset, totalBytes) with many WRITE requests in flight (like OpenSSH's sftp and
 * ssh2's fastPut), reading the local file into a fixed pool of buffers: memory stays at
 * maxInFlight x chunkSize whatever the file size. Writes are issued in offset order, so a server
 * that applies them in order (OpenSSH, our sandbox) leaves a contiguous prefix when cut: resume
 * then continues from the remote size.
 */
export function pipelinedWrite(options: PipelinedWriteOptions): Promise<number> {
  const { sftp, remoteHandle, local, startOffset, totalBytes } = options;
  const chunkSize = options.chunkSize ?? 32 * 1024;
  const maxInFlight = options.maxInFlight ?? 64;
  if (startOffset >= totalBytes) return Promise.resolve(0);

  return new Promise<number>((resolve, reject) => {
    const free: Buffer[] = [];
    const slots = Math.min(maxInFlight, Math.ceil((totalBytes - startOffset) / chunkSize));
    for (let i = 0; i < slots; i++) free.push(Buffer.allocUnsafe(chunkSize));
    let nextOffset = startOffset;
    let inFlight = 0;
    let acked = 0;
    let reading = false;
    let failed = false;

    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      options.signal?.removeEventListener("abort", onAbort);
      reject(error);
    };
    const onAbort = () => fail(options.signal?.reason ?? new Error("aborted"));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    options.stopped.catch(fail);

    const maybeDone = () => {
      if (!failed && inFlight === 0 && nextOffset >= totalBytes) {
        options.signal?.removeEventListener("abort", onAbort);
        resolve(acked);
      }
    };

    const pump = async () => {
      if (reading) return;
      reading = true;
      try {
        while (!failed && nextOffset < totalBytes && free.length > 0) {
          const buffer = free.pop()!;
          const offset = nextOffset;
          const length = Math.min(chunkSize, totalBytes - offset);
          nextOffset += length;
          // Counted from now, not from the write: a chunk still being read is in flight too.
          inFlight++;
          const { bytesRead } = await local.read(buffer, 0, length, offset);
          if (failed) return;
          if (bytesRead !== length) {
            fail(new TransferError("LOCAL_FILE_MISSING", "The staged file changed size while it was being sent."));
            return;
          }
          sftp.write(remoteHandle, buffer, 0, length, offset, (error) => {
            inFlight--;
            options.onActivity?.();
            if (error) return fail(options.mapError(error));
            acked += length;
            options.onAcked?.(acked);
            free.push(buffer);
            if (nextOffset < totalBytes) void pump();
            else maybeDone();
          });
        }
      } catch (error) {
        fail(error);
      } finally {
        reading = false;
      }
      maybeDone();
    };
    void pump();
  });
}
