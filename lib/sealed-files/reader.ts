import { createHash } from "node:crypto";
import fs from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { relayBuffers } from "@/lib/buffer-pool";
import { checkFileKey, HEADER_BYTES, isSealedHeader, openRecord, RECORD_OVERHEAD, SealedFileError, truncated } from "@/lib/sealed-files/format";
import { scanFinishedSealedFile, scanSealedFile, type SealedLayout } from "@/lib/sealed-files/scan";

/**
 * A staged file read as its plaintext, whichever way it is stored: sealed (the format in
 * format.ts, opened with the file's key) or, for files staged before encryption at rest, plain.
 * Memory stays constant: a read decrypts only the records it covers.
 */
export interface StagedFileReader {
  /** Plaintext size. */
  readonly size: number;
  readonly sealed: boolean;
  /** FileHandle's positional read, of plaintext. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  /**
   * The same read, done on the calling thread (fs.readSync): only for a relay's own worker thread,
   * never the event loop that serves pages (lib/ftps/pooled-upload.ts says why).
   */
  readSync(buffer: Buffer, offset: number, length: number, position: number): { bytesRead: number };
  /** The plaintext from `start` to the end. */
  stream(options?: { start?: number; blockBytes?: number }): Readable;
  close(): Promise<void>;
}

const BLOCK_BYTES = 1024 * 1024;
/** The ciphertext of a 1 MiB plaintext read: four whole segments, or parts of five. */
const SCRATCH_BYTES = BLOCK_BYTES + RECORD_OVERHEAD * 8;

/**
 * Opens `path` for reading. `key` is the file's data key, or null when its record has none. A
 * sealed file without its key (crypto-shredded) and a key for a file that is not sealed are both
 * refused: plaintext is never guessed from ciphertext, nor the other way round. A sealed file must
 * be complete (its last segment present) unless `unfinished` is set.
 */
export async function openStagedFile(path: string, key: Uint8Array | null, options: { unfinished?: boolean } = {}): Promise<StagedFileReader> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEADER_BYTES, 0);
    const sealed = bytesRead === HEADER_BYTES && isSealedHeader(head);
    if (sealed && !key) {
      throw new SealedFileError("key_missing", "The key of the portal's stored copy of this file has been destroyed (the file was removed), so its bytes can no longer be read.");
    }
    if (!sealed && key) throw new SealedFileError("key_unexpected", "The portal's stored copy of this file is not in the encrypted format its record expects.");
    if (!sealed) return plainReader(path, handle, (await handle.stat()).size);
    // A copy: close() wipes it, and the caller may still need its own.
    // `unfinished`: a resumable upload still arriving (its own store reads what it has so far).
    const layout = options.unfinished ? await scanSealedFile(handle) : await scanFinishedSealedFile(handle);
    return new SealedReader(handle, Buffer.from(checkFileKey(key!)), layout);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function plainReader(path: string, handle: FileHandle, size: number): StagedFileReader {
  return {
    size,
    sealed: false,
    read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
    readSync: (buffer, offset, length, position) => ({ bytesRead: fs.readSync(handle.fd, buffer, offset, length, position) }),
    stream: (options) => fs.createReadStream(path, { start: options?.start ?? 0, highWaterMark: options?.blockBytes ?? BLOCK_BYTES }),
    close: () => handle.close(),
  };
}

/** One plaintext read: its range, the records it covers still to decrypt, and what is copied out so far. */
interface ReadPlan {
  buffer: Buffer;
  offset: number;
  position: number;
  end: number;
  /** First and last record still to decrypt (next > last: none). */
  next: number;
  last: number;
  ciphertext?: { from: number; to: number };
  written: number;
}

class SealedReader implements StagedFileReader {
  readonly sealed = true;
  readonly size: number;
  private closed = false;
  private readonly streams = new Set<Readable>();
  private lastRecord?: { index: number; plain: Buffer };
  private scratch?: Buffer;
  private scratchInUse = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly key: Buffer,
    private readonly layout: SealedLayout,
  ) {
    this.size = layout.plainBytes;
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    const plan = this.planRead(buffer, offset, length, position);
    if (!plan.ciphertext) return { bytesRead: plan.written };
    const ciphertext = this.borrowScratch(plan.ciphertext.to - plan.ciphertext.from);
    try {
      const { bytesRead } = await this.handle.read(ciphertext, 0, ciphertext.length, plan.ciphertext.from);
      return { bytesRead: this.openPlanned(plan, ciphertext, bytesRead) };
    } finally {
      this.returnScratch(ciphertext);
    }
  }

  readSync(buffer: Buffer, offset: number, length: number, position: number): { bytesRead: number } {
    const plan = this.planRead(buffer, offset, length, position);
    if (!plan.ciphertext) return { bytesRead: plan.written };
    const ciphertext = this.borrowScratch(plan.ciphertext.to - plan.ciphertext.from);
    try {
      const bytesRead = fs.readSync(this.handle.fd, ciphertext, 0, ciphertext.length, plan.ciphertext.from);
      return { bytesRead: this.openPlanned(plan, ciphertext, bytesRead) };
    } finally {
      this.returnScratch(ciphertext);
    }
  }

  /**
   * Which records a plaintext read covers. Readers' blocks and segments rarely line up: the
   * segment one read ends in is where the next one starts, kept decrypted rather than read and
   * authenticated twice, so its part is copied out here and only the rest needs reading.
   */
  private planRead(buffer: Buffer, offset: number, length: number, position: number): ReadPlan {
    const end = Math.min(position + length, this.size);
    if (position >= end) return { buffer, offset, position, end, next: 0, last: -1, written: 0 };
    const { recordOffsets, plainLengths, plainOffsets } = this.layout;
    const first = this.recordAt(position);
    let last = first;
    while (plainOffsets[last] + plainLengths[last] < end) last++;
    const plan: ReadPlan = { buffer, offset, position, end, next: first, last, written: 0 };
    if (this.lastRecord?.index === first) {
      this.copyOut(plan, first, this.lastRecord.plain);
      plan.next = first + 1;
    }
    if (plan.next <= last) plan.ciphertext = { from: recordOffsets[plan.next], to: recordOffsets[last] + RECORD_OVERHEAD + plainLengths[last] };
    return plan;
  }

  /** Authenticates and decrypts the planned records from their ciphertext, copying them out; returns the plaintext bytes written. */
  private openPlanned(plan: ReadPlan, ciphertext: Buffer, bytesRead: number): number {
    if (bytesRead !== ciphertext.length) throw truncated("it changed while it was being read");
    const { recordOffsets, plainLengths } = this.layout;
    const from = plan.ciphertext!.from;
    for (let index = plan.next; index <= plan.last; index++) {
      const at = recordOffsets[index] - from;
      const plain = openRecord(this.key, index, ciphertext.subarray(at, at + RECORD_OVERHEAD + plainLengths[index]));
      this.copyOut(plan, index, plain);
      if (index === plan.last) this.lastRecord = { index, plain };
    }
    return plan.written;
  }

  private copyOut(plan: ReadPlan, index: number, plain: Buffer): void {
    const { plainOffsets, plainLengths } = this.layout;
    const sliceFrom = Math.max(plan.position, plainOffsets[index]) - plainOffsets[index];
    const sliceTo = Math.min(plan.end, plainOffsets[index] + plainLengths[index]) - plainOffsets[index];
    plan.written += plain.copy(plan.buffer, plan.offset + plan.written, sliceFrom, sliceTo);
  }

  /**
   * One reusable buffer for ciphertext reads (reads are sequential in practice; a concurrent one
   * gets its own), taken from the thread's pool (lib/buffer-pool.ts) and handed back on close.
   */
  private borrowScratch(bytes: number): Buffer {
    if (this.scratchInUse) return Buffer.allocUnsafe(bytes);
    if (!this.scratch || this.scratch.length < bytes) {
      if (this.scratch) relayBuffers.give(this.scratch);
      this.scratch = relayBuffers.take(Math.max(bytes, SCRATCH_BYTES));
    }
    this.scratchInUse = true;
    return this.scratch.subarray(0, bytes);
  }

  private returnScratch(buffer: Buffer): void {
    if (this.scratch && buffer.buffer === this.scratch.buffer) this.scratchInUse = false;
  }

  stream(options?: { start?: number; blockBytes?: number }): Readable {
    const blockBytes = options?.blockBytes ?? BLOCK_BYTES;
    let position = options?.start ?? 0;
    const size = this.size;
    const plaintextFrom = (at: number) => this.plaintextFrom(at, blockBytes);
    // The decrypted records themselves go out (cut to blockBytes when that is smaller), not a copy
    // into a fresh block: a relay of a sealed file allocates and copies half as much.
    const stream = new Readable({
      highWaterMark: blockBytes,
      read() {
        if (position >= size) return void this.push(null);
        plaintextFrom(position).then(
          (records) => {
            if (this.destroyed) return;
            const before = position;
            for (const plain of records)
              for (let at = 0; at < plain.length; at += blockBytes) {
                const piece = plain.subarray(at, at + blockBytes);
                position += piece.length;
                this.push(piece);
              }
            if (position === before) this.destroy(truncated("a segment the layout promised held no bytes"));
          },
          // Once the reader is closed its streams are destroyed: a read still in flight then fails quietly.
          (error: unknown) => void (this.destroyed ? undefined : this.destroy(error as Error)),
        );
      },
    });
    this.streams.add(stream);
    stream.once("close", () => this.streams.delete(stream));
    return stream;
  }

  /**
   * The plaintext from `position` to the end of the records covering about `maxBytes` (at least
   * one record), as the decrypted records themselves (the first cut to start at `position`). Every
   * record is authenticated before any of them is returned.
   */
  private async plaintextFrom(position: number, maxBytes: number): Promise<Buffer[]> {
    const { recordOffsets, plainOffsets, plainLengths } = this.layout;
    const end = Math.min(position + maxBytes, this.size);
    const first = this.recordAt(position);
    let last = first;
    while (last + 1 < plainOffsets.length && plainOffsets[last + 1] < end) last++;
    const from = recordOffsets[first];
    const to = recordOffsets[last] + RECORD_OVERHEAD + plainLengths[last];
    const ciphertext = this.borrowScratch(to - from);
    try {
      const { bytesRead } = await this.handle.read(ciphertext, 0, ciphertext.length, from);
      if (bytesRead !== ciphertext.length) throw truncated("it changed while it was being read");
      const records: Buffer[] = [];
      for (let index = first; index <= last; index++) {
        const at = recordOffsets[index] - from;
        const plain = openRecord(this.key, index, ciphertext.subarray(at, at + RECORD_OVERHEAD + plainLengths[index]));
        records.push(index === first ? plain.subarray(position - plainOffsets[first]) : plain);
      }
      return records;
    } finally {
      this.returnScratch(ciphertext);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams) stream.destroy();
    this.key.fill(0);
    this.lastRecord?.plain.fill(0);
    this.lastRecord = undefined;
    // A read still in flight (a stream destroyed mid-read) may yet write into it: then it stays.
    if (this.scratch && !this.scratchInUse) relayBuffers.give(this.scratch);
    this.scratch = undefined;
    await this.handle.close();
  }

  /** Binary search for the record holding plaintext byte `position`. */
  private recordAt(position: number): number {
    const { plainOffsets, plainLengths } = this.layout;
    let low = 0;
    let high = plainOffsets.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (plainOffsets[middle] <= position) low = middle;
      else high = middle - 1;
    }
    // Zero-length records (an upload request that carried no bytes) hold nothing: skip past them.
    while (low < plainLengths.length - 1 && plainOffsets[low] + plainLengths[low] <= position) low++;
    return low;
  }
}

/** SHA-256 (hex) of a staged file's plaintext, streamed and decrypted in constant memory. */
export async function plaintextSha256(path: string, key: Uint8Array | null, options: { unfinished?: boolean } = {}): Promise<string> {
  const reader = await openStagedFile(path, key, options);
  try {
    const hash = createHash("sha256");
    for await (const chunk of reader.stream()) hash.update(chunk as Buffer);
    return hash.digest("hex");
  } finally {
    await reader.close();
  }
}
