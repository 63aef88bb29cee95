import "server-only";
import { relayBuffers } from "@/lib/buffer-pool";
import type { SftpWriteRequests } from "@/lib/sftp/direct-writes";
import { TransferError } from "@/lib/transfers/errors";

export interface PipelinedWriteOptions {
  /** Where WRITE requests go: the session's direct writer (lib/sftp/direct-writes.ts). */
  writer: Pick<SftpWriteRequests, "write" | "queuedBytes">;
  remoteHandle: Buffer;
  /** The staged file's plaintext: a positional read, as FileHandle's (lib/transfers/staging/staged-source.ts). */
  local: { read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> };
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
 * ssh2's fastPut), reading the local file in ~1 MiB blocks: up to maxInFlight x chunkSize bytes
 * await the server's replies whatever the file size. A block goes back to the pool as soon as the
 * writer has copied its data into packets (lib/sftp/direct-writes.ts), not when the server
 * acknowledges it, and blocks are made only as the pipeline needs them: 16 relays at once hold a
 * few MiB each rather than a full window's worth. Writes are issued in offset order, so a server
 * that applies them in order (OpenSSH, our sandbox) leaves a contiguous prefix when cut: resume
 * then continues from the remote size. Blocks come from the thread's pool (lib/buffer-pool.ts) and
 * go back to it when the upload settles, except any a failed upload's writer may still copy from.
 */
export function pipelinedWrite(options: PipelinedWriteOptions): Promise<number> {
  const { writer, remoteHandle, local, startOffset, totalBytes } = options;
  const chunkSize = options.chunkSize ?? 32 * 1024;
  const maxInFlight = options.maxInFlight ?? 64;
  if (startOffset >= totalBytes) return Promise.resolve(0);

  // Read the local file in ~1 MiB blocks, each sent as several chunk writes: one fs read (a
  // threadpool round trip) per 32 KiB write cost ~30% of the relay's CPU (scripts/bench).
  const chunksPerBlock = Math.max(1, Math.min(maxInFlight, Math.floor((1024 * 1024) / chunkSize)));
  const blockSize = chunksPerBlock * chunkSize;
  const maxInFlightBytes = maxInFlight * chunkSize;

  return new Promise<number>((resolve, reject) => {
    const free: Buffer[] = [];
    let nextOffset = startOffset;
    /** Reads and writes not finished: the upload is done when none is left. */
    let pendingOperations = 0;
    /** Bytes sent or queued and not yet acknowledged. */
    let unacknowledged = 0;
    let acked = 0;
    let reading = false;
    let failed = false;

    // Only blocks in `free` go back: the writer has copied everything out of them. A block a
    // failed upload still has queued stays with that upload and is left to the garbage collector.
    const handBack = () => {
      for (const block of free.splice(0)) relayBuffers.give(block);
    };
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      options.signal?.removeEventListener("abort", onAbort);
      handBack();
      reject(error);
    };
    const onAbort = () => fail(options.signal?.reason ?? new Error("aborted"));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    options.stopped.catch(fail);

    const maybeDone = () => {
      if (!failed && pendingOperations === 0 && nextOffset >= totalBytes) {
        options.signal?.removeEventListener("abort", onAbort);
        handBack();
        resolve(acked);
      }
    };

    const pump = async () => {
      if (reading) return;
      reading = true;
      try {
        // A block is read only while less than a block waits for the server's window: with a big
        // window 4 MiB go out unanswered, with OpenSSH's 2 MiB the rest waits in the file, not here.
        while (!failed && nextOffset < totalBytes && unacknowledged < maxInFlightBytes && writer.queuedBytes < blockSize) {
          const blockOffset = nextOffset;
          const blockLength = Math.min(blockSize, totalBytes - blockOffset);
          const block = free.pop() ?? relayBuffers.take(blockSize);
          nextOffset += blockLength;
          unacknowledged += blockLength;
          pendingOperations++;
          const { bytesRead } = await local.read(block, 0, blockLength, blockOffset);
          pendingOperations--;
          if (failed) return;
          if (bytesRead !== blockLength) {
            fail(new TransferError("LOCAL_FILE_MISSING", "The staged file changed size while it was being sent."));
            return;
          }
          // Counted before the first write: the writer may copy (and call back) at once.
          let uncopied = Math.ceil(blockLength / chunkSize);
          const onCopied = () => {
            if (--uncopied > 0) return;
            free.push(block);
            if (nextOffset < totalBytes) void pump();
          };
          for (let at = 0; at < blockLength; at += chunkSize) {
            const length = Math.min(chunkSize, blockLength - at);
            pendingOperations++;
            writer.write(
              remoteHandle,
              block,
              at,
              length,
              blockOffset + at,
              (error) => {
                pendingOperations--;
                options.onActivity?.();
                if (error) return fail(options.mapError(error));
                acked += length;
                unacknowledged -= length;
                options.onAcked?.(acked);
                if (nextOffset < totalBytes) void pump();
                maybeDone();
              },
              onCopied,
            );
          }
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
