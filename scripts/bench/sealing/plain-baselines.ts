/**
 * The plain baselines: the portal's write paths as they were before files were sealed at rest
 * (commit 0a7f75c, issue #21), kept here line for line so "plain" and "sealed" differ by the
 * sealing alone. The read paths need no copy: lib/sealed-files/reader.ts still reads a plain
 * (legacy) file with a null key, exactly as the code before did.
 *
 *   stagePlainBody       lib/transfers/intake/stage-body.ts stageRequestBody without the SealingStream stage
 *   PlainStagedDownload  lib/responses/pickup-staging.ts StagedDownload without the Sealer (handle.write per chunk)
 *
 * Error handling the measurement never reaches (quota, out of space, a client gone) is left out.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { open, rename, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform, Writable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

/** stage-body.ts's MeasuringStream (not exported there): counts and hashes on the way to disk, stops past the limit. */
class MeasuringStream extends Transform {
  readonly hash = crypto.createHash("sha256");
  size = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return done(new Error(`body over ${this.maxBytes} bytes`));
    this.hash.update(chunk);
    done(null, chunk);
  }
}

/** stageRequestBody before #21: body → measuring → the file, written as it arrives. */
export async function stagePlainBody(body: ReadableStream<Uint8Array>, file: string, maxBytes: number): Promise<{ size: number; sha256: string }> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const measuring = new MeasuringStream(maxBytes);
  const source = Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  await pipeline(source, measuring, fs.createWriteStream(file, { flags: "wx", mode: 0o600 }));
  return { size: measuring.size, sha256: measuring.hash.digest("hex") };
}

/** StagedDownload before #21: `<uuid>.part` written chunk by chunk, synced, renamed. */
export class PlainStagedDownload {
  private readonly hash = crypto.createHash("sha256");
  private written = 0;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly partPath: string,
    readonly finalPath: string,
  ) {}

  /** StagingBatch.create: the directory, then the `.part` file opened exclusively. */
  static async create(directory: string): Promise<PlainStagedDownload> {
    const id = crypto.randomUUID();
    await fs.promises.mkdir(directory, { recursive: true, mode: 0o700 });
    const partPath = path.join(directory, `${id}.part`);
    return new PlainStagedDownload(await open(partPath, "wx", 0o600), partPath, path.join(directory, id));
  }

  get bytes(): number {
    return this.written;
  }

  sink(limit: number): Writable {
    return new Writable({
      highWaterMark: 256 * 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        const room = Math.max(0, limit - this.written);
        this.written += chunk.length;
        const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
        if (kept.length === 0) return callback();
        this.hash.update(kept);
        this.handle.write(kept).then(
          () => callback(),
          (cause: unknown) => callback(cause as Error),
        );
      },
    });
  }

  async commit(): Promise<string> {
    await this.handle.sync();
    await this.close();
    await rename(this.partPath, this.finalPath);
    return this.hash.digest("hex");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
