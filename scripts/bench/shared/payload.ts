import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MiB } from "./stats";

/**
 * Write `bytes` bytes to `path`: `header` (a plain text line, cut to `bytes`), then random bytes one
 * MiB at a time (never the whole file in memory), so nothing on the way can compress it. Returns its
 * SHA-256, so every delivered copy can be checked against it.
 */
export async function writeRandomFile(path: string, bytes: number, header = ""): Promise<string> {
  const hash = createHash("sha256");
  const head = Buffer.from(header, "latin1").subarray(0, bytes);
  async function* chunks() {
    if (head.length > 0) {
      hash.update(head);
      yield head;
    }
    for (let left = bytes - head.length; left > 0; left -= MiB) {
      const chunk = randomBytes(Math.min(MiB, left));
      hash.update(chunk);
      yield chunk;
    }
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
  return hash.digest("hex");
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path, { highWaterMark: MiB }), hash);
  return hash.digest("hex");
}
