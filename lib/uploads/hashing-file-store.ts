import "server-only";
import crypto, { type Hash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pipeline, Transform, type Readable } from "node:stream";
import { FileStore } from "@tus/file-store";

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
 */
export class HashingFileStore extends FileStore {
  private readonly running = new Map<string, RunningHash>();
  private readonly root: string;

  constructor(options: { directory: string }) {
    super(options);
    this.root = options.directory;
  }

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
    // Errors of the incoming request reach the store through the transform.
    const source = pipeline(readable, hashing, () => undefined);
    const newOffset = await super.write(source as unknown as Readable, id, offset);
    if (newOffset === offset + hashed) this.remember(id, { hash: state.hash, offset: newOffset, touchedAt: Date.now() });
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

  private async stateAt(id: string, offset: number): Promise<RunningHash> {
    const state = this.running.get(id);
    this.running.delete(id);
    if (state && state.offset === offset) return state;
    return { hash: await this.hashPrefix(id, offset), offset, touchedAt: Date.now() };
  }

  private async hashPrefix(id: string, length: number): Promise<Hash> {
    const hash = crypto.createHash("sha256");
    if (length === 0) return hash;
    const stream = fs.createReadStream(path.join(this.root, id), { start: 0, end: length - 1, highWaterMark: 1024 * 1024 });
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
