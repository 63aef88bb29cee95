import "server-only";
import crypto, { type Hash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { FileStore } from "@tus/file-store";
import { ERRORS, type Upload } from "@tus/server";
import { isOutOfSpaceError, StagingFullError } from "@/lib/transfers/staging/space";

interface RunningHash {
  hash: Hash;
  /** Bytes of the file (from its start) already fed into the hash. */
  offset: number;
  touchedAt: number;
}

/** More open uploads than this is abnormal; the oldest states are dropped (and rebuilt from disk if needed). */
const MAX_TRACKED_UPLOADS = 5_000;

/**
 * The tus file store, hashing bytes as they arrive so a finished upload has its SHA-256 at once
 * instead of after a second read of the whole file.
 *
 * The disk is the truth: a PATCH that fails part-way may have written some of what it hashed, so its
 * running hash is thrown away. The next PATCH (or a restarted process, which has none) rebuilds it by
 * hashing the bytes already on disk, then carries on streaming.
 *
 * Except when the volume is full: then the upload is terminated on the spot — its bytes and its info
 * file removed — and a StagingFullError says so. A partial file kept for resuming would hold the
 * space that every later upload needs, and resuming cannot succeed until space is freed anyway.
 */
export class HashingFileStore extends FileStore {
  private readonly running = new Map<string, RunningHash>();
  private readonly root: string;

  constructor(options: { directory: string }) {
    super(options);
    this.root = options.directory;
  }

  override async create(upload: Upload): Promise<Upload> {
    try {
      return await super.create(upload);
    } catch (error) {
      if (!isOutOfSpaceError(error)) throw error;
      await this.discard(upload.id);
      throw new StagingFullError({ phase: "interrupted", declaredBytes: upload.size ?? null, receivedBytes: 0, uploadId: upload.id }, { cause: error });
    }
  }

  /** FileStore's write (append at `offset`, count what arrived), with the bytes hashed on their way to disk. */
  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const state = await this.stateAt(id, offset);
    let hashed = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        state.hash.update(chunk);
        hashed += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      // Errors of the incoming request and of the disk both end the pipeline.
      await pipeline(readable, hashing, fs.createWriteStream(this.fileOf(id), { flags: "r+", start: offset }));
    } catch (error) {
      if (isOutOfSpaceError(error)) {
        const declared = (await this.configstore.get(id).catch(() => undefined))?.size ?? null;
        await this.discard(id);
        throw new StagingFullError({ phase: "interrupted", declaredBytes: declared, receivedBytes: offset + hashed, uploadId: id }, { cause: error });
      }
      // As FileStore answers: what reached the disk stays, and the client resumes from there.
      throw ERRORS.FILE_WRITE_ERROR;
    }
    const newOffset = offset + hashed;
    this.remember(id, { hash: state.hash, offset: newOffset, touchedAt: Date.now() });
    return newOffset;
  }

  /** SHA-256 of the complete upload of `size` bytes: from the running hash when it covers them all. */
  async digest(id: string, size: number): Promise<string> {
    const state = await this.stateAt(id, size);
    return state.hash.digest("hex");
  }

  override async remove(id: string): Promise<void> {
    this.running.delete(id);
    return super.remove(id);
  }

  /** Removes whatever exists of an upload (bytes, info file, running hash); idempotent, never throws for a missing file. */
  async discard(id: string): Promise<void> {
    this.running.delete(id);
    await fs.promises.rm(this.fileOf(id), { force: true });
    await fs.promises.rm(`${this.fileOf(id)}.json`, { force: true });
  }

  private fileOf(id: string): string {
    // Ids are our own UUIDs (the tus server's naming function); anything else never names a file here.
    if (!/^[\w-]{1,64}$/.test(id)) throw ERRORS.FILE_NOT_FOUND;
    return path.join(this.root, id);
  }

  private async stateAt(id: string, offset: number): Promise<RunningHash> {
    const state = this.running.get(id);
    this.running.delete(id);
    if (state && state.offset === offset) return state;
    return { hash: await this.hashPrefix(id, offset), offset, touchedAt: Date.now() };
  }

  private async hashPrefix(id: string, length: number): Promise<Hash> {
    const hash = crypto.createHash("sha256");
    if (length === 0) return hash;
    const stream = fs.createReadStream(this.fileOf(id), { start: 0, end: length - 1, highWaterMark: 1024 * 1024 });
    for await (const chunk of stream) hash.update(chunk as Buffer);
    return hash;
  }

  private remember(id: string, state: RunningHash): void {
    this.running.set(id, state);
    if (this.running.size <= MAX_TRACKED_UPLOADS) return;
    const oldest = [...this.running.entries()].sort((a, b) => a[1].touchedAt - b[1].touchedAt).slice(0, this.running.size - MAX_TRACKED_UPLOADS);
    for (const [key] of oldest) this.running.delete(key);
  }
}
