import "server-only";
import crypto, { type Hash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { FileStore } from "@tus/file-store";
import { ERRORS, type Upload } from "@tus/server";
import { isOutOfSpaceError, StagingFullError } from "@/lib/transfers/staging/space";
import { HEADER_BYTES, isSealedHeader, MAGIC } from "@/lib/sealed-files/format";
import { scanSealedFile } from "@/lib/sealed-files/scan";
import { openStagedFile } from "@/lib/sealed-files/reader";
import { sealWhole, SealingStream } from "@/lib/sealed-files/writer";

interface RunningHash {
  hash: Hash;
  /** Plaintext bytes (from the file's start) already fed into the hash. */
  offset: number;
  touchedAt: number;
}

/** What a scan of a sealed upload found, valid while the file keeps `fileBytes` bytes. */
interface KnownLayout {
  fileBytes: number;
  completeBytes: number;
  plainBytes: number;
  records: number;
  finished: boolean;
}

/** More open uploads than this is abnormal; the oldest states are dropped (and rebuilt from disk if needed). */
const MAX_TRACKED_UPLOADS = 5_000;

export interface SealingFileStoreOptions {
  directory: string;
  /** The upload's data key (stored when the upload was created), or null for one begun before encryption at rest. */
  fileKey(id: string): Promise<Buffer | null>;
  /** Destroys the upload's data key; called before its bytes are removed, so nothing readable is left at any moment. */
  shredKey(id: string): Promise<void>;
}

/**
 * The tus file store, with every byte sealed before it reaches the disk (lib/sealed-files: the
 * upload's own data key, AES-256-GCM segments) and hashed (SHA-256 of the plaintext) as it arrives,
 * so a finished upload has its hash at once instead of after a second read of the whole file.
 *
 * Resumable at any offset: a request ends the segment it was filling wherever it stops, so the
 * upload's offset is the sum of its complete segments. The disk is the truth: a PATCH that fails
 * part-way keeps only the segments it completed (the client resumes after a HEAD), its running hash
 * is thrown away and rebuilt by decrypting what is on disk; after a crash, a torn last segment is
 * cut off before the next append.
 *
 * Except when the volume is full: then the upload is terminated on the spot (bytes and info file
 * removed) and a StagingFullError says so. A partial file kept for resuming would hold the space
 * that every later upload needs, and resuming cannot succeed until space is freed anyway.
 *
 * Uploads begun before encryption at rest (no key, no header) finish as they started, in plain.
 */
export class SealingFileStore extends FileStore {
  private readonly running = new Map<string, RunningHash>();
  private readonly layouts = new Map<string, KnownLayout>();
  private readonly root: string;
  private readonly fileKey: SealingFileStoreOptions["fileKey"];
  private readonly shredKey: SealingFileStoreOptions["shredKey"];

  constructor(options: SealingFileStoreOptions) {
    super({ directory: options.directory });
    this.root = options.directory;
    this.fileKey = options.fileKey;
    this.shredKey = options.shredKey;
  }

  override async create(upload: Upload): Promise<Upload> {
    try {
      const created = await super.create(upload);
      // The header now; an empty upload is complete at once and gets its (empty) last segment too.
      const key = upload.size === 0 ? await this.requireKey(upload.id) : null;
      try {
        await fs.promises.writeFile(this.fileOf(upload.id), key ? sealWhole(key, Buffer.alloc(0)) : MAGIC, { mode: 0o600 });
      } finally {
        key?.fill(0);
      }
      return created;
    } catch (error) {
      if (!isOutOfSpaceError(error)) throw error;
      await this.discard(upload.id);
      throw new StagingFullError({ phase: "interrupted", declaredBytes: upload.size ?? null, receivedBytes: 0, uploadId: upload.id }, { cause: error });
    }
  }

  /** FileStore's upload, with the offset counted in plaintext: the sum of the complete sealed segments. */
  override async getUpload(id: string): Promise<Upload> {
    const upload = await super.getUpload(id);
    const layout = await this.layoutOf(id);
    if (layout) upload.offset = layout.plainBytes;
    return upload;
  }

  /** Appends the request's bytes at `offset`, sealed and hashed on their way to disk. */
  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const layout = await this.layoutOf(id);
    if (!layout) return this.writePlain(readable, id, offset);
    if (layout.plainBytes !== offset) throw ERRORS.INVALID_OFFSET;
    const key = await this.requireKey(id);
    const declared = (await this.configstore.get(id))?.size;
    let hashed = 0;
    let sealedBytes = 0;
    let sealing: SealingStream | undefined;
    try {
      // A crash mid-write left a torn last segment: it was never counted, so it goes.
      if (layout.fileBytes > layout.completeBytes) await fs.promises.truncate(this.fileOf(id), layout.completeBytes);
      const state = await this.stateAt(id, offset, key);
      sealing = new SealingStream(key, { header: false, firstIndex: layout.records, startOffset: offset, totalBytes: declared ?? undefined });
      const hashing = counter((chunk) => {
        state.hash.update(chunk);
        hashed += chunk.length;
      });
      const countingSealed = counter((chunk) => {
        sealedBytes += chunk.length;
      });
      // Errors of the incoming request and of the disk both end the pipeline.
      await pipeline(readable, hashing, sealing, countingSealed, fs.createWriteStream(this.fileOf(id), { flags: "r+", start: layout.completeBytes }));
      const newOffset = offset + hashed;
      this.remember(id, { hash: state.hash, offset: newOffset, touchedAt: Date.now() });
      this.layouts.set(id, { fileBytes: layout.completeBytes + sealedBytes, completeBytes: layout.completeBytes + sealedBytes, plainBytes: newOffset, records: sealing.nextIndex, finished: declared !== undefined && newOffset >= declared });
      return newOffset;
    } catch (error) {
      this.running.delete(id);
      this.layouts.delete(id);
      return this.failedWrite(error, id, offset + hashed);
    } finally {
      key.fill(0);
    }
  }

  /** SHA-256 of the complete upload of `size` bytes: from the running hash when it covers them all. */
  async digest(id: string, size: number): Promise<string> {
    const layout = await this.layoutOf(id);
    const key = layout ? await this.requireKey(id) : null;
    try {
      const state = await this.stateAt(id, size, key);
      return state.hash.digest("hex");
    } finally {
      key?.fill(0);
    }
  }

  /**
   * A cancelled upload (tus DELETE, under the upload's lock, after tus checked it is unfinished): the
   * key goes first (crypto-shredding), then the bytes; the transfer row is marked cancelled after.
   */
  override async remove(id: string): Promise<void> {
    this.forget(id);
    await this.shredKey(id);
    return super.remove(id);
  }

  /** Removes whatever exists of an upload (key, bytes, info file, running hash); idempotent, never throws for a missing file. */
  async discard(id: string): Promise<void> {
    this.forget(id);
    await this.shredKey(id);
    await fs.promises.rm(this.fileOf(id), { force: true });
    await fs.promises.rm(`${this.fileOf(id)}.json`, { force: true });
  }

  private forget(id: string): void {
    this.running.delete(id);
    this.layouts.delete(id);
  }

  private fileOf(id: string): string {
    // Ids are our own UUIDs (the tus server's naming function); anything else never names a file here.
    if (!/^[\w-]{1,64}$/.test(id)) throw ERRORS.FILE_NOT_FOUND;
    return path.join(this.root, id);
  }

  private async requireKey(id: string): Promise<Buffer> {
    const key = await this.fileKey(id);
    if (!key) throw ERRORS.FILE_NOT_FOUND;
    return key;
  }

  /** The sealed layout of an upload, or null for a plain one begun before encryption at rest. */
  private async layoutOf(id: string): Promise<KnownLayout | null> {
    const file = this.fileOf(id);
    const handle = await fs.promises.open(file, "r").catch((error: NodeJS.ErrnoException) => {
      throw error.code === "ENOENT" ? ERRORS.FILE_NO_LONGER_EXISTS : error;
    });
    try {
      const { size } = await handle.stat();
      const known = this.layouts.get(id);
      // Trusted while the file keeps its size, unless it ends in a torn segment: another instance on
      // the shared volume may have cut that and appended, to the same size by chance.
      if (known && known.fileBytes === size && known.completeBytes === size) return known;
      const head = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await handle.read(head, 0, HEADER_BYTES, 0);
      if (bytesRead < HEADER_BYTES || !isSealedHeader(head)) return null;
      const scanned = await scanSealedFile(handle);
      const layout = { fileBytes: scanned.fileBytes, completeBytes: scanned.completeBytes, plainBytes: scanned.plainBytes, records: scanned.recordOffsets.length, finished: scanned.finished };
      this.layouts.set(id, layout);
      return layout;
    } finally {
      await handle.close();
    }
  }

  /** An upload begun before encryption at rest: FileStore's append, hashed. */
  private async writePlain(readable: Readable, id: string, offset: number): Promise<number> {
    const state = await this.stateAt(id, offset, null);
    let hashed = 0;
    const hashing = counter((chunk) => {
      state.hash.update(chunk);
      hashed += chunk.length;
    });
    try {
      await pipeline(readable, hashing, fs.createWriteStream(this.fileOf(id), { flags: "r+", start: offset }));
    } catch (error) {
      this.running.delete(id);
      return this.failedWrite(error, id, offset + hashed);
    }
    this.remember(id, { hash: state.hash, offset: offset + hashed, touchedAt: Date.now() });
    return offset + hashed;
  }

  private async failedWrite(error: unknown, id: string, receivedBytes: number): Promise<never> {
    if (isOutOfSpaceError(error)) {
      const declared = (await this.configstore.get(id).catch(() => undefined))?.size ?? null;
      await this.discard(id);
      throw new StagingFullError({ phase: "interrupted", declaredBytes: declared, receivedBytes, uploadId: id }, { cause: error });
    }
    if (error === ERRORS.INVALID_OFFSET || error === ERRORS.FILE_NOT_FOUND) throw error;
    // As FileStore answers: what reached the disk stays, and the client resumes from there.
    throw ERRORS.FILE_WRITE_ERROR;
  }

  private async stateAt(id: string, offset: number, key: Buffer | null): Promise<RunningHash> {
    const state = this.running.get(id);
    this.running.delete(id);
    if (state && state.offset === offset) return state;
    return { hash: await this.hashPrefix(id, offset, key), offset, touchedAt: Date.now() };
  }

  /** SHA-256 of the first `length` plaintext bytes on disk (decrypted segment by segment). */
  private async hashPrefix(id: string, length: number, key: Buffer | null): Promise<Hash> {
    const hash = crypto.createHash("sha256");
    if (length === 0) return hash;
    const reader = await openStagedFile(this.fileOf(id), key, { unfinished: true });
    try {
      const block = Buffer.allocUnsafe(1024 * 1024);
      for (let position = 0; position < length; ) {
        const { bytesRead } = await reader.read(block, 0, Math.min(block.length, length - position), position);
        if (bytesRead === 0) throw ERRORS.FILE_WRITE_ERROR;
        hash.update(block.subarray(0, bytesRead));
        position += bytesRead;
      }
      block.fill(0);
      return hash;
    } finally {
      await reader.close();
    }
  }

  private remember(id: string, state: RunningHash): void {
    this.running.set(id, state);
    if (this.running.size <= MAX_TRACKED_UPLOADS) return;
    const oldest = [...this.running.entries()].sort((a, b) => a[1].touchedAt - b[1].touchedAt).slice(0, this.running.size - MAX_TRACKED_UPLOADS);
    for (const [key] of oldest) this.forget(key);
  }
}

/** A pass-through that shows each chunk to `see`. */
function counter(see: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      see(chunk);
      callback(null, chunk);
    },
  });
}
