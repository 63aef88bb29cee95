import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, rename, rm, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { TransferError } from "@/lib/transfers/errors";
import { newFileKey, Sealer } from "@/lib/sealed-files/writer";

/**
 * Where one pickup writes the payer's files on the portal: `<stagingRoot>/<stagingPrefix>/<uuid>`,
 * written as `<uuid>.part` and renamed once complete, so a reader never sees half a file. Each file
 * is sealed as it arrives under its own data key (lib/sealed-files; a 999 or an 835 is PHI too),
 * which the result hands back for the portal to store with the file's record. The
 * batch remembers everything it wrote: when the pickup fails, `discardAll` leaves nothing behind
 * (the next poll fetches the files again).
 */
export class StagingBatch {
  private readonly directory: string;
  private readonly inProgress = new Set<StagedDownload>();
  private readonly completed = new Set<string>();

  constructor(
    stagingRoot: string,
    private readonly stagingPrefix: string,
  ) {
    const root = path.resolve(stagingRoot);
    const directory = path.resolve(root, stagingPrefix);
    if (!path.isAbsolute(stagingRoot) || path.isAbsolute(stagingPrefix) || !directory.startsWith(`${root}${path.sep}`)) {
      throw new TransferError("UNKNOWN", "The staging location for response files is not valid.", { detail: `prefix ${JSON.stringify(stagingPrefix)}` });
    }
    this.directory = directory;
  }

  /** A new `.part` file, hashed and counted as it is written. */
  async create(): Promise<StagedDownload> {
    const id = randomUUID();
    const partPath = path.join(this.directory, `${id}.part`);
    let handle: FileHandle;
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      handle = await open(partPath, "wx", 0o600);
    } catch (cause) {
      throw stagingFailure(cause);
    }
    const download = new StagedDownload(handle, partPath, path.join(this.directory, id), `${this.stagingPrefix}/${id}`, (finalPath) => {
      this.inProgress.delete(download);
      if (finalPath) this.completed.add(finalPath);
    });
    this.inProgress.add(download);
    return download;
  }

  /** Remove every file this batch wrote, complete or not. Never throws. */
  async discardAll(): Promise<void> {
    await Promise.all([...this.inProgress].map((download) => download.discard()));
    await Promise.all([...this.completed].map((file) => rm(file, { force: true }).catch(() => undefined)));
    this.completed.clear();
  }
}

export class StagedDownload {
  private readonly hash = createHash("sha256");
  private readonly key = newFileKey();
  private readonly sealer = new Sealer(this.key, { header: true });
  private written = 0;
  private overflow = false;
  private localError?: TransferError;
  private closed = false;

  constructor(
    private readonly handle: FileHandle,
    readonly partPath: string,
    private readonly finalPath: string,
    readonly stagingKey: string,
    private readonly settled: (finalPath?: string) => void,
  ) {}

  get bytes(): number {
    return this.written;
  }

  /** Set when writing to the portal's disk failed (not the payer's fault). */
  get writeError(): TransferError | undefined {
    return this.localError;
  }

  /**
   * The sink a download streams into. Bytes beyond `limit` (a file still growing on the server)
   * are counted but not kept, so the disk never holds more than the listed size.
   */
  sink(limit: number, onChunk?: () => void): Writable {
    return new Writable({
      highWaterMark: 256 * 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        onChunk?.();
        const room = Math.max(0, limit - this.written);
        this.written += chunk.length;
        if (chunk.length > room) this.overflow = true;
        const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
        if (kept.length === 0) return callback();
        this.hash.update(kept);
        this.writeRecords(this.sealer.add(kept)).then(
          () => callback(),
          (cause: unknown) => {
            this.localError = stagingFailure(cause);
            callback(this.localError);
          },
        );
      },
    });
  }

  /** More bytes arrived than the listing announced. */
  get grew(): boolean {
    return this.overflow;
  }

  /** The data key the file is sealed with: a copy, for the portal to store with the file's record. */
  get fileKey(): Buffer {
    return Buffer.from(this.key);
  }

  /** Flush, close and rename to the final name; returns the SHA-256 (hex) of the plaintext. */
  async commit(): Promise<string> {
    try {
      await this.writeRecords(this.sealer.finish());
      await this.handle.sync();
      await this.close();
      await rename(this.partPath, this.finalPath);
    } catch (cause) {
      throw stagingFailure(cause);
    }
    this.settled(this.finalPath);
    return this.hash.digest("hex");
  }

  /** Close and delete the `.part` file. Never throws. */
  async discard(): Promise<void> {
    this.sealer.wipe();
    this.key.fill(0);
    await this.close().catch(() => undefined);
    await rm(this.partPath, { force: true }).catch(() => undefined);
    this.settled();
  }

  private async writeRecords(records: Buffer[]): Promise<void> {
    if (records.length > 0) await this.handle.writev(records);
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

function stagingFailure(cause: unknown): TransferError {
  const code = (cause as NodeJS.ErrnoException)?.code;
  return new TransferError("UNKNOWN", "The portal could not write a response file to its staging store.", {
    detail: code ? `${code} on the portal's disk` : "the portal's disk refused the write",
    cause,
  });
}
