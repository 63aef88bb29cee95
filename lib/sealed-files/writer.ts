import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { Transform, type TransformCallback } from "node:stream";
import { checkFileKey, FILE_KEY_BYTES, MAGIC, SEGMENT_BYTES, sealRecordPieces } from "@/lib/sealed-files/format";

/** A fresh data key for one file. */
export function newFileKey(): Buffer {
  return randomBytes(FILE_KEY_BYTES);
}

export interface SealingOptions {
  /** Start a new file: the header comes first. */
  header: boolean;
  /** Index of the first record written (an append continues the file's count). */
  firstIndex?: number;
  /** Plaintext bytes already in the file (an append). */
  startOffset?: number;
  /**
   * The file's final plaintext size, when known in advance (a resumable upload announces it): the
   * record that reaches it is flagged last, whichever request brings it. Without it the record
   * written when the input ends is the last (a body streamed in one go, a download).
   */
  totalBytes?: number;
  segmentBytes?: number;
}

/**
 * Turns plaintext into sealed records (format.ts) in constant memory: one segment is buffered.
 * Synchronous; SealingStream wraps it for pipelines, StagedDownload calls it directly.
 */
export class Sealer {
  private readonly key: Buffer;
  private readonly segment: Buffer;
  private filled = 0;
  private index: number;
  private offset: number;
  private readonly totalBytes?: number;
  private headerPending: boolean;

  constructor(key: Uint8Array, options: SealingOptions) {
    // A copy: wiped when done, whatever the caller does with its own.
    this.key = Buffer.from(checkFileKey(key));
    this.segment = Buffer.allocUnsafe(options.segmentBytes ?? SEGMENT_BYTES);
    this.index = options.firstIndex ?? 0;
    this.offset = options.startOffset ?? 0;
    this.totalBytes = options.totalBytes;
    this.headerPending = options.header;
  }

  /** Records written so far (the next record's index). */
  get nextIndex(): number {
    return this.index;
  }

  /** Plaintext taken in: the records (and header) now ready to be written. */
  add(chunk: Buffer): Buffer[] {
    const out = this.takeHeader();
    let at = 0;
    while (at < chunk.length) {
      // A full segment is sealed only once more bytes follow it: without an announced size, the
      // record that ends the input must carry the "last" flag, and only the input's end tells.
      if (this.filled === this.segment.length) out.push(...this.seal(false));
      const taken = chunk.copy(this.segment, this.filled, at);
      this.filled += taken;
      at += taken;
      if (this.filled === this.segment.length && this.reachesTotal()) out.push(...this.seal(true));
    }
    return out;
  }

  /** The input ended: the remaining records. Without an announced size this is the file's end (even an empty file has its last record). */
  finish(): Buffer[] {
    const out = this.takeHeader();
    if (this.totalBytes === undefined) out.push(...this.seal(true));
    else if (this.filled > 0) out.push(...this.seal(this.reachesTotal()));
    this.wipe();
    return out;
  }

  wipe(): void {
    this.key.fill(0);
    this.segment.fill(0);
  }

  private takeHeader(): Buffer[] {
    if (!this.headerPending) return [];
    this.headerPending = false;
    return [Buffer.from(MAGIC)];
  }

  private reachesTotal(): boolean {
    return this.totalBytes !== undefined && this.offset + this.filled >= this.totalBytes;
  }

  private seal(last: boolean): Buffer[] {
    const record = sealRecordPieces(this.key, this.index, this.segment.subarray(0, this.filled), last);
    this.index += 1;
    this.offset += this.filled;
    this.segment.fill(0, 0, this.filled);
    this.filled = 0;
    return record;
  }
}

/** Plaintext in, sealed records out, each as its three pieces pushed together (sealRecordPieces): a file on disk ends torn only when the process dies mid-write. */
export class SealingStream extends Transform {
  private readonly sealer: Sealer;

  constructor(key: Uint8Array, options: SealingOptions) {
    super({ readableHighWaterMark: (options.segmentBytes ?? SEGMENT_BYTES) * 2 });
    this.sealer = new Sealer(key, options);
  }

  get nextIndex(): number {
    return this.sealer.nextIndex;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pushAll(() => this.sealer.add(chunk), done);
  }

  override _flush(done: TransformCallback): void {
    this.pushAll(() => this.sealer.finish(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.sealer.wipe();
    done(error);
  }

  private pushAll(produce: () => Buffer[], done: TransformCallback): void {
    let records: Buffer[];
    try {
      records = produce();
    } catch (error) {
      return done(error as Error);
    }
    for (const record of records) this.push(record);
    done();
  }
}

/** A whole small file (a generated test file, a sample submission) sealed in memory: the same records SealingStream writes. */
export function sealWhole(key: Uint8Array, plaintext: Buffer, segmentBytes = SEGMENT_BYTES): Buffer {
  const sealer = new Sealer(key, { header: true, segmentBytes });
  return Buffer.concat([...sealer.add(plaintext), ...sealer.finish()]);
}

export async function writeSealedFile(path: string, key: Uint8Array, plaintext: Buffer): Promise<void> {
  await writeFile(path, sealWhole(key, plaintext), { mode: 0o600, flag: "wx" });
}
