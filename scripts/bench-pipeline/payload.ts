import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MiB } from "./stats";

/**
 * A file of random bytes behind one plain text line, so it can never look like an X12
 * interchange (the sandbox SFTP destination blocks envelope problems) and nothing on the way
 * can compress it. Written one MiB at a time; returns its SHA-256.
 */
export async function writePayload(path: string, bytes: number, label: string): Promise<string> {
  const hash = createHash("sha256");
  const header = Buffer.from(`EDI portal pipeline benchmark payload ${label}\n`, "latin1");
  async function* chunks() {
    const first = header.subarray(0, Math.min(bytes, header.length));
    hash.update(first);
    yield first;
    for (let left = bytes - first.length; left > 0; left -= MiB) {
      const chunk = randomBytes(Math.min(MiB, left));
      hash.update(chunk);
      yield chunk;
    }
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
  return hash.digest("hex");
}


/**
 * A name the sandbox SFTP payer accepts, `S<submitter>-<yyyymmdd>-<hhmmss>P.TXT`: one second
 * apart per index, so every file lands under its own name.
 */
export function payerFileName(submitterId: string, start: Date, index: number): string {
  const at = new Date(start.getTime() + index * 1000).toISOString();
  return `S${submitterId}-${at.slice(0, 10).replace(/-/g, "")}-${at.slice(11, 19).replace(/:/g, "")}P.TXT`;
}
