import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { removeStagedFile, stagingPath } from "@/lib/transfers/staging/files";
import { isOutOfSpaceError, StagingFullError } from "@/lib/transfers/staging/space";
import { SealingStream } from "@/lib/sealed-files/writer";

export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The body is larger than ${maxBytes} bytes.`);
    this.name = "BodyTooLargeError";
  }
}

/** The body grew past the room left in the organisation's staging quota (it came without a Content-Length that said so). */
export class BodyOverQuotaError extends Error {
  constructor(readonly roomBytes: number) {
    super(`The body is larger than the ${roomBytes} bytes left in the staging quota.`);
    this.name = "BodyOverQuotaError";
  }
}

export class BodyIncompleteError extends Error {
  constructor(cause: unknown) {
    super("The request body ended before it was complete.", { cause });
    this.name = "BodyIncompleteError";
  }
}

/** Counts and hashes the bytes on their way to disk, and stops the stream one byte past either limit. */
class MeasuringStream extends Transform {
  readonly hash = crypto.createHash("sha256");
  size = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly roomBytes: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    // The destination's limit first: a file too large to send at all is that, whatever the quota.
    if (this.size > this.maxBytes) return done(new BodyTooLargeError(this.maxBytes));
    if (this.size > this.roomBytes) return done(new BodyOverQuotaError(this.roomBytes));
    this.hash.update(chunk);
    done(null, chunk);
  }
}

/**
 * Streams a request body into the staging store under `key`, sealed with the file's data key
 * `fileKey` (lib/sealed-files: no plaintext byte reaches the disk), in constant memory: the pipeline
 * reads the next chunk only once the previous one is on disk, so a fast client is slowed to the
 * disk's pace rather than buffered. Over `maxBytes` the read stops at once (the rest of the body is
 * never consumed) and the partial file is removed, as it is when the client goes away mid-body or
 * the volume fills up (then a StagingFullError says how much had arrived). Past `roomBytes` (what the
 * organisation's staging quota has left) the same happens with a BodyOverQuotaError.
 */
export async function stageRequestBody(body: ReadableStream<Uint8Array> | null, key: string, fileKey: Buffer, maxBytes: number, roomBytes = Number.POSITIVE_INFINITY): Promise<{ size: number; sha256: string }> {
  const file = stagingPath(key);
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const measuring = new MeasuringStream(maxBytes, roomBytes);
  const source = body ? Readable.fromWeb(body as WebReadableStream<Uint8Array>) : Readable.from([]);
  try {
    await pipeline(source, measuring, new SealingStream(fileKey, { header: true }), fs.createWriteStream(file, { flags: "wx", mode: 0o600 }));
  } catch (error) {
    await removeStagedFile(key);
    if (isOutOfSpaceError(error)) throw new StagingFullError({ phase: "interrupted", declaredBytes: null, receivedBytes: measuring.size }, { cause: error });
    // A failing disk is ours to report (as an internal error); anything else came from the client.
    if (error instanceof BodyTooLargeError || error instanceof BodyOverQuotaError || (error as NodeJS.ErrnoException).syscall) throw error;
    throw new BodyIncompleteError(error);
  }
  return { size: measuring.size, sha256: measuring.hash.digest("hex") };
}
