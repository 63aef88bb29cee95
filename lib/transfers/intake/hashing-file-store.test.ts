import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { Upload } from "@tus/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HashingFileStore } from "@/lib/transfers/intake/hashing-file-store";

const content = crypto.randomBytes(3 * 1024 * 1024 + 123);
const expected = crypto.createHash("sha256").update(content).digest("hex");

/** A request body that delivers `bytes` and then breaks, like a dropped connection. */
function brokenAfter(bytes: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(bytes);
        setImmediate(() => this.destroy(new Error("connection reset")));
      }
    },
  });
}

describe("HashingFileStore", () => {
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "tus-hash-"));
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  async function created(store: HashingFileStore, id: string) {
    await store.create(new Upload({ id, size: content.length, offset: 0 }));
  }

  it("has the SHA-256 of an upload sent in several PATCHes without reading the file again", async () => {
    const store = new HashingFileStore({ directory });
    await created(store, "a");
    let offset = 0;
    for (const size of [1024 * 1024, 1024 * 1024, content.length - 2 * 1024 * 1024]) {
      offset = await store.write(Readable.from([content.subarray(offset, offset + size)]), "a", offset);
    }
    expect(offset).toBe(content.length);
    // The bytes on disk change under the store: a digest from the running hash ignores them.
    fs.writeFileSync(path.join(directory, "a"), Buffer.alloc(content.length));
    expect(await store.digest("a", content.length)).toBe(expected);
  });

  it("rebuilds the hash from disk after a PATCH broke part-way, and after a restart", async () => {
    const store = new HashingFileStore({ directory });
    await created(store, "b");
    let offset = await store.write(Readable.from([content.subarray(0, 500_000)]), "b", 0);
    await expect(store.write(brokenAfter(content.subarray(offset, offset + 700_000)), "b", offset)).rejects.toBeTruthy();
    // The server resumes from what reached the disk, as tus does after a HEAD.
    offset = fs.statSync(path.join(directory, "b")).size;
    expect(offset).toBeGreaterThanOrEqual(500_000);
    offset = await store.write(Readable.from([content.subarray(offset, offset + 1024 * 1024)]), "b", offset);

    const restarted = new HashingFileStore({ directory });
    offset = await restarted.write(Readable.from([content.subarray(offset)]), "b", offset);
    expect(offset).toBe(content.length);
    expect(await restarted.digest("b", content.length)).toBe(expected);
  });
});
