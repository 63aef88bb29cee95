import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { Upload } from "@tus/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SealingFileStore } from "@/lib/transfers/intake/sealing-file-store";
import { newFileKey } from "@/lib/sealed-files/writer";
import { plaintextOf } from "@/test/support/sealed";

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

const sha256 = (bytes: Buffer) => crypto.createHash("sha256").update(bytes).digest("hex");

describe("SealingFileStore", () => {
  let directory: string;
  const keys = new Map<string, Buffer>();
  /** What was on disk when each key was shredded. */
  const shredded: Array<{ id: string; bytesOnDisk: boolean }> = [];
  const store = () =>
    new SealingFileStore({
      directory,
      fileKey: async (id) => (keys.has(id) ? Buffer.from(keys.get(id)!) : null),
      shredKey: async (id) => {
        shredded.push({ id, bytesOnDisk: fs.existsSync(path.join(directory, id)) });
        keys.delete(id);
      },
    });

  beforeEach(() => {
    shredded.length = 0;
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "tus-seal-"));
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  async function created(target: SealingFileStore, id: string, size = content.length) {
    keys.set(id, newFileKey());
    await target.create(new Upload({ id, size, offset: 0 }));
  }

  it("has the SHA-256 of an upload sent in several PATCHes without reading the file again, and never writes plaintext", async () => {
    const target = store();
    await created(target, "a");
    let offset = 0;
    for (const size of [1024 * 1024, 777_777, content.length - 1024 * 1024 - 777_777]) {
      offset = await target.write(Readable.from([content.subarray(offset, offset + size)]), "a", offset);
      expect((await target.getUpload("a")).offset).toBe(offset);
    }
    expect(offset).toBe(content.length);
    const onDisk = fs.readFileSync(path.join(directory, "a"));
    expect(onDisk.indexOf(content.subarray(1000, 1064))).toBe(-1);
    expect(sha256(await plaintextOf(path.join(directory, "a"), keys.get("a")!))).toBe(expected);
    expect(await target.digest("a", content.length)).toBe(expected);
  });

  it("resumes at odd offsets after a PATCH broke part-way, after a restart, and after a torn last segment", async () => {
    const target = store();
    await created(target, "b");
    let offset = await target.write(Readable.from([content.subarray(0, 500_001)]), "b", 0);
    await expect(target.write(brokenAfter(content.subarray(offset, offset + 700_003)), "b", offset)).rejects.toBeTruthy();
    // The server resumes from what reached the disk (whole segments only), as tus does after a HEAD.
    offset = (await target.getUpload("b")).offset;
    expect(offset).toBeGreaterThanOrEqual(500_001);
    offset = await target.write(Readable.from([content.subarray(offset, offset + 1024 * 1024 + 5)]), "b", offset);

    // A crash mid-write: the start of a segment (its header, part of its ciphertext) after the last complete one.
    const torn = Buffer.alloc(9_999);
    torn.writeUInt32BE(200_000, 0);
    fs.appendFileSync(path.join(directory, "b"), torn);
    const restarted = store();
    expect((await restarted.getUpload("b")).offset).toBe(offset);
    offset = await restarted.write(Readable.from([content.subarray(offset)]), "b", offset);
    expect(offset).toBe(content.length);
    expect(await restarted.digest("b", content.length)).toBe(expected);
    expect(sha256(await plaintextOf(path.join(directory, "b"), keys.get("b")!))).toBe(expected);
  });

  it("a cancelled upload (tus DELETE) loses its key while its sealed bytes are still on disk, then its bytes", async () => {
    const target = store();
    await created(target, "cancelled");
    await target.write(Readable.from([content.subarray(0, 1024 * 1024)]), "cancelled", 0);
    await target.remove("cancelled");
    expect(shredded).toEqual([{ id: "cancelled", bytesOnDisk: true }]);
    expect(keys.has("cancelled")).toBe(false);
    expect(fs.existsSync(path.join(directory, "cancelled"))).toBe(false);
    expect(fs.existsSync(path.join(directory, "cancelled.json"))).toBe(false);
  });

  it("refuses a write at another offset than the one on disk", async () => {
    const target = store();
    await created(target, "c");
    await target.write(Readable.from([content.subarray(0, 1000)]), "c", 0);
    await expect(target.write(Readable.from([content.subarray(0, 10)]), "c", 10)).rejects.toMatchObject({ status_code: 409 });
  });

  it("finishes an upload begun before encryption at rest in plain, as it started", async () => {
    const target = store();
    await target.create(new Upload({ id: "legacy", size: content.length, offset: 0 }));
    // What the old store left: the bytes so far, in plain, and no key.
    fs.writeFileSync(path.join(directory, "legacy"), content.subarray(0, 123_456));
    expect((await target.getUpload("legacy")).offset).toBe(123_456);
    const offset = await target.write(Readable.from([content.subarray(123_456)]), "legacy", 123_456);
    expect(offset).toBe(content.length);
    expect(sha256(fs.readFileSync(path.join(directory, "legacy")))).toBe(expected);
    expect(await target.digest("legacy", content.length)).toBe(expected);
  });
});
