import "server-only";
import { Readable, type Writable } from "node:stream";
import { isMainThread } from "node:worker_threads";
import { relayBuffers } from "@/lib/buffer-pool";
import { TransferError } from "@/lib/transfers/errors";

/** The staged file's plaintext by position, as StagedFileReader.read (lib/transfers/staging/staged-source.ts). */
export interface PositionalSource {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  readSync?(buffer: Buffer, offset: number, length: number, position: number): { bytesRead: number };
}

export interface PooledUploadOptions {
  local: PositionalSource;
  /** The first byte to send (a resumed upload's remote size) and the file's size. */
  start: number;
  end: number;
  /** The data connection, which basic-ftp has by the time it pipes the returned stream into it. */
  dataConnection(): Writable | null | undefined;
  /** 256 KiB blocks, 4 of them: 1 MiB per relay, and each block stays in the CPU's cache from read to encryption. */
  blockBytes?: number;
  blocks?: number;
  /**
   * Read on this thread (readSync) rather than in libuv's pool. The default: yes on a worker thread
   * (where the portal runs relays), never on the main thread, whose event loop serves pages.
   */
  synchronousReads?: boolean;
  /** Called as the data connection takes each block, with the file position it has taken up to. */
  onSent?(position: number): void;
  /** A failure of the local file (not of the connection), before the upload is torn down with it. */
  onLocalFailure?(error: unknown): void;
}

/**
 * The stream handed to basic-ftp's uploadFrom/appendFrom for a staged file. It carries no data
 * itself: when basic-ftp pipes it into the data connection (after the server's 150 and, for FTPS,
 * the data connection's TLS handshake), it writes the file's bytes to that connection directly,
 * from a few reused blocks read in order, one read at a time (the sealed reader decrypts each
 * segment once and keeps the last one for the next read), written one at a time. A block is read
 * again only after its write's callback: by then node:tls has encrypted it (or the kernel has taken
 * it, without TLS). It ends after issuing the last write, so the pipe ends the data connection
 * behind that write.
 *
 * The blocks come from the thread's pool (lib/buffer-pool.ts) and go back to it after the last write.
 *
 * Why not a file stream piped into the socket: that allocates a fresh buffer for every read (page
 * faults, and 1 MiB that leaves the cache before it is encrypted) and hands no per-chunk write
 * callback back, so its buffers cannot be reused.
 *
 * Why synchronous reads on a relay's thread: a read handed to libuv's pool costs two thread
 * switches and lands the block in another core's cache; on the relay's own thread it is a copy
 * from the page cache into a block that node:tls encrypts next, while still in this core's cache.
 * That thread already does the relay's encryption synchronously (a block's encryption takes longer
 * than its read), it serves no pages, and libuv's pool, which the page loop shares, stays free.
 * Storage that stops answering stalls this thread's relays until the pool's hang check replaces
 * the thread and they are recorded as interrupted (lib/workers/pool.ts). Both changes together
 * took the FTPS relay's CPU from about 1.5x curl's to about 1.0-1.2x (docs/engine-profile.md, "FTPS").
 */
export function pooledUploadSource(options: PooledUploadOptions): Readable {
  const { local, end } = options;
  const blockBytes = options.blockBytes ?? 256 * 1024;
  const maxBlocks = options.blocks ?? 4;
  const readSync = (options.synchronousReads ?? !isMainThread) ? local.readSync?.bind(local) : undefined;
  const free: Buffer[] = [];
  let made = 0;
  let position = options.start;
  let started = false;
  let reading = false;
  let writing = false;
  const ready: { block: Buffer; length: number; upTo: number }[] = [];

  const source = new Readable({
    read() {
      if (started) return;
      started = true;
      const connection = options.dataConnection();
      if (!connection) {
        source.destroy(new TransferError("UNKNOWN", "The upload should begin but the data connection is missing."));
        return;
      }
      if (position >= end) source.push(null);
      else void readAhead(connection);
    },
  });

  const takeBlock = (): Buffer | undefined => {
    const block = free.pop();
    if (block || made >= maxBlocks) return block;
    made++;
    return relayBuffers.take(blockBytes);
  };

  const stopped = (connection: Writable) => source.destroyed || connection.destroyed || connection.writableEnded;

  // One write at a time: node:tls copies chunks written while another is pending into one buffer
  // before encrypting them (a writev), so read blocks wait here instead, in order.
  function writeNext(connection: Writable): void {
    if (writing || stopped(connection)) return;
    const next = ready.shift();
    if (!next) return;
    writing = true;
    connection.write(next.length === next.block.length ? next.block : next.block.subarray(0, next.length), (error) => {
      writing = false;
      // A failed write: the pipe has the connection's error and tears the upload down.
      if (error) return;
      free.push(next.block);
      // The last write is done, and with it every earlier one: every block is back in `free`, and
      // goes to the thread's pool for the next relay. After a failure they are left to the
      // garbage collector (a write of one may still be pending).
      if (next.upTo >= end) for (const block of free.splice(0)) relayBuffers.give(block);
      options.onSent?.(next.upTo);
      writeNext(connection);
      void readAhead(connection);
    });
    if (next.upTo >= end) source.push(null);
  }

  async function readAhead(connection: Writable): Promise<void> {
    if (reading) return;
    reading = true;
    try {
      while (position < end && !stopped(connection)) {
        const block = takeBlock();
        if (!block) return;
        const length = Math.min(blockBytes, end - position);
        const { bytesRead } = readSync ? readSync(block, 0, length, position) : await local.read(block, 0, length, position);
        if (stopped(connection)) return;
        if (bytesRead !== length) throw new TransferError("LOCAL_FILE_MISSING", "The staged file changed size while it was being sent.");
        position += length;
        ready.push({ block, length, upTo: position });
        writeNext(connection);
      }
    } catch (error) {
      options.onLocalFailure?.(error);
      source.destroy(error as Error);
    } finally {
      reading = false;
    }
  }

  return source;
}
