import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

const CHUNK = 1024 * 1024;

/**
 * Write `bytes` random bytes to `path` one MiB at a time (never the whole file in memory), and
 * return its SHA-256 so every delivered copy can be checked against it.
 */
export async function writeRandomFile(path: string, bytes: number): Promise<string> {
  const hash = createHash("sha256");
  async function* chunks() {
    for (let left = bytes; left > 0; left -= CHUNK) {
      const chunk = randomBytes(Math.min(CHUNK, left));
      hash.update(chunk);
      yield chunk;
    }
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
  return hash.digest("hex");
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path, { highWaterMark: CHUNK }), hash);
  return hash.digest("hex");
}
