import crypto from "node:crypto";
import fs from "node:fs";
import { open } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeInfo, HEADER_BYTES, INFO_BYTES, MAGIC, NONCE_BYTES, RECORD_OVERHEAD, SEGMENT_BYTES, SealedFileError, sealRecord, TAG_BYTES, type SealedFileProblem } from "@/lib/sealed-files/format";
import { openStagedFile } from "@/lib/sealed-files/reader";
import { scanSealedFile, type SealedLayout } from "@/lib/sealed-files/scan";
import { newFileKey, sealWhole, SealingStream } from "@/lib/sealed-files/writer";

/*
 * The sealed-file format (lib/sealed-files) on real files in a temporary directory: what is written
 * reads back exactly and holds no plaintext, a resumable upload's pieces make one file, positional
 * reads and streams from any offset, and every kind of damage is refused before a byte of it is
 * returned.
 */

const sha256 = (bytes: Buffer) => crypto.createHash("sha256").update(bytes).digest("hex");
const SENTINEL = 0xa5;

let directory: string;
let files = 0;
const fileIn = (name: string) => path.join(directory, `${++files}-${name}`);

beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "sealed-files-"));
});
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

/** `plaintext` as a request body delivers it: in chunks of `sizes` bytes (cycled). */
function chunked(plaintext: Buffer, sizes: number[] = [64 * 1024]): Readable {
  return Readable.from(
    (function* () {
      let index = 0;
      for (let at = 0; at < plaintext.length; index++) {
        const size = sizes[index % sizes.length];
        yield plaintext.subarray(at, at + size);
        at += size;
      }
    })(),
  );
}

/** A new file, sealed by SealingStream piped into it. */
async function sealToFile(file: string, key: Uint8Array, plaintext: Buffer, options: { segmentBytes?: number; chunkSizes?: number[] } = {}): Promise<void> {
  await pipeline(chunked(plaintext, options.chunkSizes), new SealingStream(key, { header: true, segmentBytes: options.segmentBytes }), fs.createWriteStream(file, { mode: 0o600 }));
}

async function layoutOf(file: string): Promise<SealedLayout> {
  const handle = await open(file, "r");
  try {
    return await scanSealedFile(handle);
  } finally {
    await handle.close();
  }
}

/** The decoded info word of each complete record. */
function infoWords(raw: Buffer, layout: SealedLayout): { length: number; last: boolean }[] {
  return layout.recordOffsets.map((at) => decodeInfo(raw.readUInt32BE(at)));
}

/** The whole record `index` of `raw` (info, nonce, ciphertext, tag). */
function recordOf(raw: Buffer, layout: SealedLayout, index: number): Buffer {
  const at = layout.recordOffsets[index];
  return raw.subarray(at, at + RECORD_OVERHEAD + layout.plainLengths[index]);
}

async function drain(stream: Readable): Promise<{ data: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const chunk of stream) parts.push(chunk as Buffer);
    return { data: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { data: Buffer.concat(parts), error };
  }
}

/** The plaintext of `file`, streamed by its reader. */
async function readAll(file: string, key: Uint8Array | null, options: { unfinished?: boolean; start?: number; blockBytes?: number } = {}): Promise<Buffer> {
  const reader = await openStagedFile(file, key, { unfinished: options.unfinished });
  try {
    const { data, error } = await drain(reader.stream({ start: options.start, blockBytes: options.blockBytes }));
    if (error) throw error;
    return data;
  } finally {
    await reader.close();
  }
}

/** The SealedFileError `promise` rejects with: of `problem`, its message one plain sentence without key bytes or a stack. */
async function refusal(promise: Promise<unknown>, problem: SealedFileProblem, key?: Uint8Array | null): Promise<SealedFileError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SealedFileError);
  const sealed = error as SealedFileError;
  expect(sealed.problem).toBe(problem);
  expectPlainSentence(sealed, key);
  return sealed;
}

function expectPlainSentence(error: SealedFileError, key?: Uint8Array | null): void {
  expect(error.name).toBe("SealedFileError");
  expect(error.message).toMatch(/^The [^\n]*\.$/);
  expect(error.message).not.toMatch(/\bat \S+ \(|\.ts:\d+|node:/);
  // No run of hex or base64 long enough to be key material, whoever's key it is.
  expect(error.message).not.toMatch(/[0-9a-f]{16}/i);
  expect(error.message).not.toMatch(/[A-Za-z0-9+/=_-]{24}/);
  if (key) {
    const bytes = Buffer.from(key);
    for (const encoding of ["hex", "base64", "base64url", "latin1"] as const) expect(error.message).not.toContain(bytes.toString(encoding).slice(0, 8));
  }
}

/** Seeded, so a failing read is reproducible from the test's output. */
function prng(seed: number): (limit: number) => number {
  let state = seed >>> 0;
  return (limit) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * limit);
  };
}

/** As SealingFileStore.write: one request's bytes appended after the file's complete records (a torn tail cut off first). */
async function appendPiece(file: string, key: Uint8Array, piece: Buffer, totalBytes: number, segmentBytes: number, chunkSizes?: number[]): Promise<void> {
  const layout = await layoutOf(file);
  if (layout.fileBytes > layout.completeBytes) await fs.promises.truncate(file, layout.completeBytes);
  const sealing = new SealingStream(key, { header: false, firstIndex: layout.recordOffsets.length, startOffset: layout.plainBytes, totalBytes, segmentBytes });
  await pipeline(chunked(piece, chunkSizes), sealing, fs.createWriteStream(file, { flags: "r+", start: layout.completeBytes }));
  expect(sealing.nextIndex).toBeGreaterThanOrEqual(layout.recordOffsets.length);
}

function allSentinel(bytes: Buffer): boolean {
  return bytes.every((byte) => byte === SENTINEL);
}

describe("round trip", () => {
  for (const segmentBytes of [SEGMENT_BYTES, 1000]) {
    const sizes = [0, 1, segmentBytes - 1, segmentBytes, segmentBytes + 1, 3 * segmentBytes + 5];
    for (const size of sizes) {
      it(`reads back ${size} bytes exactly from SealingStream and sealWhole (segments of ${segmentBytes}), with no plaintext on disk`, async () => {
        const key = newFileKey();
        const plaintext = crypto.randomBytes(size);
        const expectedRecords = Math.max(1, Math.ceil(size / segmentBytes));

        const streamedOdd = fileIn("streamed-odd");
        await sealToFile(streamedOdd, key, plaintext, { segmentBytes, chunkSizes: [1, 7, 4093, segmentBytes - 1, 65_536] });
        // Chunks that end exactly on segment boundaries: a full segment waits for the next byte (or the end) before it is sealed.
        const streamedAligned = fileIn("streamed-aligned");
        await sealToFile(streamedAligned, key, plaintext, { segmentBytes, chunkSizes: [segmentBytes] });
        const whole = fileIn("whole");
        fs.writeFileSync(whole, sealWhole(key, plaintext, segmentBytes));

        const nonces = new Set<string>();
        for (const file of [streamedOdd, streamedAligned, whole]) {
          const raw = fs.readFileSync(file);
          expect(raw.subarray(0, HEADER_BYTES).equals(MAGIC)).toBe(true);
          expect(raw.length).toBe(HEADER_BYTES + expectedRecords * RECORD_OVERHEAD + size);
          const layout = await layoutOf(file);
          expect(layout).toMatchObject({ plainBytes: size, completeBytes: raw.length, fileBytes: raw.length, finished: true });
          expect(layout.recordOffsets).toHaveLength(expectedRecords);
          const words = infoWords(raw, layout);
          expect(words.map((word) => word.last)).toEqual([...Array<boolean>(expectedRecords - 1).fill(false), true]);
          // Full segments, then the rest.
          expect(words.slice(0, -1).every((word) => word.length === segmentBytes)).toBe(true);
          expect(words.at(-1)!.length).toBe(size - (expectedRecords - 1) * segmentBytes);
          for (const at of layout.recordOffsets) nonces.add(raw.subarray(at + INFO_BYTES, at + INFO_BYTES + NONCE_BYTES).toString("hex"));
          if (size >= 64) {
            const window = crypto.randomInt(0, size - 64 + 1);
            expect(raw.indexOf(plaintext.subarray(window, window + 64))).toBe(-1);
          }

          const reader = await openStagedFile(file, key);
          try {
            expect(reader.sealed).toBe(true);
            expect(reader.size).toBe(size);
          } finally {
            await reader.close();
          }
          expect(sha256(await readAll(file, key))).toBe(sha256(plaintext));
        }
        // Random nonces: none repeats under the key, across files and records.
        expect(nonces.size).toBe(3 * expectedRecords);
      });
    }
  }
});

describe("appending in pieces with the size announced (a resumable upload)", () => {
  const cases = [
    // Pieces end at odd offsets, some on and next to segment boundaries; a request with no bytes adds nothing.
    { name: "an odd total in segments of 1000", segmentBytes: 1000, pieces: [1, 998, 1, 1000, 0, 1234, 3, 2318], chunkSizes: [7, 333, 4096] },
    // The last request fills the final segment exactly: it is flagged as it is sealed, not at the input's end.
    { name: "a total on a segment boundary in segments of 1000", segmentBytes: 1000, pieces: [999, 1001, 0, 3000], chunkSizes: [3000] },
    { name: "an odd total at the real segment size", segmentBytes: SEGMENT_BYTES, pieces: [300_001, SEGMENT_BYTES - 1, 5, 2 * SEGMENT_BYTES + 7, 1, 99_999], chunkSizes: [65_536, 12_345] },
  ];
  for (const { name, segmentBytes, pieces, chunkSizes } of cases) {
    it(`reads back exactly and is flagged finished only when the last byte arrived: ${name}`, async () => {
      const key = newFileKey();
      const total = pieces.reduce((sum, size) => sum + size, 0);
      const plaintext = crypto.randomBytes(total);
      const file = fileIn("upload");
      // As SealingFileStore.create: the header first, records as the requests arrive.
      fs.writeFileSync(file, MAGIC, { mode: 0o600 });
      let arrived = 0;
      const boundaries = new Set<number>();
      for (const [index, size] of pieces.entries()) {
        await appendPiece(file, key, plaintext.subarray(arrived, arrived + size), total, segmentBytes, chunkSizes);
        arrived += size;
        if (size > 0) boundaries.add(arrived);
        const raw = fs.readFileSync(file);
        const layout = await layoutOf(file);
        const complete = arrived === total;
        expect(layout).toMatchObject({ plainBytes: arrived, completeBytes: raw.length, fileBytes: raw.length, finished: complete });
        const words = infoWords(raw, layout);
        expect(words.every((word) => word.length > 0 && word.length <= segmentBytes)).toBe(true);
        expect(words.filter((word) => word.last)).toHaveLength(complete ? 1 : 0);
        if (complete) expect(words.at(-1)!.last).toBe(true);
        // Each request ends the segment it was filling.
        const ends = new Set(layout.plainOffsets.map((offset, record) => offset + layout.plainLengths[record]));
        for (const boundary of boundaries) expect(ends.has(boundary)).toBe(true);
        if (arrived >= 64) expect(raw.indexOf(plaintext.subarray(arrived - 64, arrived))).toBe(-1);

        if (complete) {
          expect(index).toBe(pieces.length - 1);
          expect(sha256(await readAll(file, key))).toBe(sha256(plaintext));
        } else {
          const error = await refusal(openStagedFile(file, key), "truncated", key);
          expect(error.message).toContain(`without its final segment`);
          const reader = await openStagedFile(file, key, { unfinished: true });
          try {
            expect(reader.size).toBe(arrived);
          } finally {
            await reader.close();
          }
          expect(sha256(await readAll(file, key, { unfinished: true }))).toBe(sha256(plaintext.subarray(0, arrived)));
        }
      }
    });
  }

  it("ignores a torn last segment while the upload is arriving, reports it as truncated when the file must be complete, and resumes after cutting it off", async () => {
    const key = newFileKey();
    const segmentBytes = 1000;
    const plaintext = crypto.randomBytes(4321);
    const file = fileIn("torn");
    fs.writeFileSync(file, MAGIC, { mode: 0o600 });
    await appendPiece(file, key, plaintext.subarray(0, 1501), plaintext.length, segmentBytes);
    // A crash mid-write: the start of a segment (its info word, part of the rest) after the last complete one.
    const whole = sealRecord(key, 2, plaintext.subarray(1501, 2501), false);
    fs.appendFileSync(file, whole.subarray(0, 600));
    const layout = await layoutOf(file);
    expect(layout).toMatchObject({ plainBytes: 1501, finished: false });
    expect(layout.fileBytes - layout.completeBytes).toBe(600);

    const error = await refusal(openStagedFile(file, key), "truncated", key);
    expect(error.message).toContain("its last segment is incomplete");
    expect(sha256(await readAll(file, key, { unfinished: true }))).toBe(sha256(plaintext.subarray(0, 1501)));

    await appendPiece(file, key, plaintext.subarray(1501), plaintext.length, segmentBytes, [1, 2, 3, 999]);
    expect(sha256(await readAll(file, key))).toBe(sha256(plaintext));
  });
});

describe("positional reads and streams from any offset", () => {
  /** Records of many lengths (as a resumable upload leaves them) or all full. */
  async function files(): Promise<{ name: string; file: string; key: Buffer; plaintext: Buffer; segmentBytes: number }[]> {
    const random = prng(21);
    const varied = { name: "records of varied lengths", file: fileIn("varied"), key: newFileKey(), plaintext: crypto.randomBytes(23_456), segmentBytes: 1000 };
    fs.writeFileSync(varied.file, MAGIC);
    for (let at = 0; at < varied.plaintext.length; ) {
      const size = Math.min(1 + random(2500), varied.plaintext.length - at);
      await appendPiece(varied.file, varied.key, varied.plaintext.subarray(at, at + size), varied.plaintext.length, varied.segmentBytes);
      at += size;
    }
    const full = { name: "full records at the real segment size", file: fileIn("full"), key: newFileKey(), plaintext: crypto.randomBytes(3 * SEGMENT_BYTES + 5), segmentBytes: SEGMENT_BYTES };
    fs.writeFileSync(full.file, sealWhole(full.key, full.plaintext));
    return [varied, full];
  }

  it("returns the plaintext for reads at odd positions and lengths across record boundaries, into an odd buffer offset, and nothing past the end", async () => {
    for (const { name, file, key, plaintext, segmentBytes } of await files()) {
      const layout = await layoutOf(file);
      const size = plaintext.length;
      const random = prng(size);
      const reads: [number, number][] = [];
      for (let n = 0; n < 300; n++) reads.push([random(size + 10), random(3 * segmentBytes + 3)]);
      for (const offset of layout.plainOffsets.slice(1)) reads.push([offset - 1, 2], [offset, 1], [offset - 1, 1], [offset - 3, segmentBytes + 7]);
      reads.push([0, size], [0, size + 100], [size - 1, 1], [size - 1, 50], [size, 10], [size + 1, 10], [7, 0]);

      const reader = await openStagedFile(file, key);
      try {
        expect(reader.size).toBe(size);
        // Every read twice: in libuv's pool and on this thread (readSync, as a relay's thread reads).
        for (const [position, length, via] of reads.flatMap((read) => [[...read, "read"] as const, [...read, "readSync"] as const])) {
          const offset = 3;
          const buffer = Buffer.alloc(offset + length + 5, SENTINEL);
          const { bytesRead } = via === "read" ? await reader.read(buffer, offset, length, position) : reader.readSync(buffer, offset, length, position);
          const expected = plaintext.subarray(Math.min(position, size), Math.min(position + length, size));
          expect(bytesRead, `${name}: ${via}(${position}, ${length})`).toBe(expected.length);
          expect(buffer.subarray(offset, offset + bytesRead).equals(expected), `${name}: ${via}(${position}, ${length})`).toBe(true);
          expect(allSentinel(buffer.subarray(0, offset)) && allSentinel(buffer.subarray(offset + bytesRead)), `${name}: ${via}(${position}, ${length}) wrote outside its range`).toBe(true);
        }
        // Reads running side by side on the one handle.
        const parallel = await Promise.all(
          [1, 999, 12_345, size - 4000].map(async (position) => {
            const buffer = Buffer.alloc(3333);
            const { bytesRead } = await reader.read(buffer, 0, buffer.length, position);
            return buffer.subarray(0, bytesRead).equals(plaintext.subarray(position, position + 3333));
          }),
        );
        expect(parallel).toEqual([true, true, true, true]);
      } finally {
        await reader.close();
      }
    }
  });

  it("streams the plaintext from odd start offsets, in odd block sizes", async () => {
    for (const { name, file, key, plaintext, segmentBytes } of await files()) {
      const size = plaintext.length;
      for (const start of [0, 1, segmentBytes - 1, segmentBytes, segmentBytes + 1, 12_345, size - 1, size, size + 5]) {
        for (const blockBytes of [undefined, 777, segmentBytes + 1]) {
          const data = await readAll(file, key, { start, blockBytes });
          expect(sha256(data), `${name}: stream({ start: ${start}, blockBytes: ${blockBytes} })`).toBe(sha256(plaintext.subarray(Math.min(start, size))));
        }
      }
    }
  });
});

describe("tampering", () => {
  const segmentBytes = 1000;
  /** The record damaged in the middle of the file (a full one, like its neighbours). */
  const target = 4;
  let key: Buffer;
  let plaintext: Buffer;
  let raw: Buffer;
  let layout: SealedLayout;

  beforeAll(async () => {
    key = newFileKey();
    plaintext = crypto.randomBytes(9_500);
    const file = fileIn("original");
    await sealToFile(file, key, plaintext, { segmentBytes });
    raw = fs.readFileSync(file);
    layout = await layoutOf(file);
    expect(layout.plainLengths).toEqual([1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 500]);
  });

  /** A copy of the original file, changed. */
  function tampered(change: (copy: Buffer) => Buffer | void): string {
    const copy = Buffer.from(raw);
    const file = fileIn("tampered");
    fs.writeFileSync(file, change(copy) ?? copy);
    return file;
  }

  /**
   * The file opens, and reads of the plaintext before `badStart` (and from `badEnd` on) return the
   * original bytes, but any read or stream that covers [badStart, badEnd) fails as damaged and never
   * puts a byte of it (or beyond it) into the caller's buffer.
   */
  async function expectDamagedFrom(file: string, badStart: number, badEnd: number): Promise<void> {
    const fileKey = key;
    const reader = await openStagedFile(file, fileKey);
    try {
      const size = reader.size;
      const good: [number, number][] = [
        [0, badStart],
        [0, 1],
        [badStart - 1, 1],
        [Math.floor(badStart / 2) + 1, badStart - Math.floor(badStart / 2) - 1],
      ];
      if (badEnd < size) good.push([badEnd, size - badEnd], [badEnd + 1, 17], [size - 1, 1]);
      for (const [position, length] of good) {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await reader.read(buffer, 0, length, position);
        expect(bytesRead).toBe(length);
        expect(buffer.equals(plaintext.subarray(position, position + length)), `read(${position}, ${length})`).toBe(true);
      }

      const bad: [number, number][] = [
        [badStart, 1],
        [badEnd - 1, 1],
        [badStart - 1, 2],
        [badStart + 333, 5000],
        [0, size],
        [badStart - 1500, 2000],
      ];
      if (badEnd < size) bad.push([badEnd - 10, 20]);
      // Each bad read in libuv's pool and on this thread (readSync, as a relay's thread reads).
      for (const [position, length, via] of bad.flatMap((read) => [[...read, "read"] as const, [...read, "readSync"] as const])) {
        const offset = 5;
        const buffer = Buffer.alloc(offset + length, SENTINEL);
        const attempt = via === "read" ? reader.read(buffer, offset, length, position) : (async () => reader.readSync(buffer, offset, length, position))();
        await refusal(attempt, "damaged", fileKey);
        // Records before the damaged one may have been copied (they are genuine); nothing from the damaged one on.
        const firstBad = offset + Math.max(0, badStart - position);
        expect(allSentinel(buffer.subarray(firstBad)), `${via}(${position}, ${length}) returned bytes of a damaged segment`).toBe(true);
        expect(buffer.subarray(offset, firstBad).equals(plaintext.subarray(position, badStart)), `${via}(${position}, ${length})`).toBe(true);
      }

      for (const blockBytes of [undefined, 700]) {
        const { data, error } = await drain(reader.stream({ blockBytes }));
        expect(error).toBeInstanceOf(SealedFileError);
        expect((error as SealedFileError).problem).toBe("damaged");
        expect(data.length).toBeLessThanOrEqual(badStart);
        expect(data.equals(plaintext.subarray(0, data.length))).toBe(true);
      }
      const fromDamage = await drain(reader.stream({ start: badStart + 1 }));
      expect((fromDamage.error as SealedFileError).problem).toBe("damaged");
      expect(fromDamage.data.length).toBe(0);
    } finally {
      await reader.close();
    }
  }

  const body = (index: number) => layout.recordOffsets[index] + INFO_BYTES + NONCE_BYTES;
  const badStart = () => layout.plainOffsets[target];
  const badEnd = () => layout.plainOffsets[target] + layout.plainLengths[target];

  it("refuses a flipped bit in a record's ciphertext", async () => {
    await expectDamagedFrom(
      tampered((copy) => void (copy[body(target) + 123] ^= 0x10)),
      badStart(),
      badEnd(),
    );
  });

  it("refuses a flipped bit in a record's tag", async () => {
    await expectDamagedFrom(
      tampered((copy) => void (copy[body(target) + layout.plainLengths[target] + 5] ^= 0x01)),
      badStart(),
      badEnd(),
    );
    // The tag's last byte, in the file's last record.
    const last = layout.recordOffsets.length - 1;
    await expectDamagedFrom(
      tampered((copy) => void (copy[body(last) + layout.plainLengths[last] + TAG_BYTES - 1] ^= 0x80)),
      layout.plainOffsets[last],
      plaintext.length,
    );
  });

  it("refuses a flipped bit in a record's nonce", async () => {
    await expectDamagedFrom(
      tampered((copy) => void (copy[layout.recordOffsets[target] + INFO_BYTES + 3] ^= 0x80)),
      badStart(),
      badEnd(),
    );
  });

  it("refuses a record whose last flag was set in the middle of the file, or cleared from the file's last record", async () => {
    const setInMiddle = tampered((copy) => void (copy[layout.recordOffsets[target]] ^= 0x80));
    const error = await refusal(openStagedFile(setInMiddle, key), "damaged", key);
    expect(error.message).toContain("bytes after its last segment");
    await refusal(openStagedFile(setInMiddle, key, { unfinished: true }), "damaged", key);

    const last = layout.recordOffsets.length - 1;
    const cleared = tampered((copy) => void (copy[layout.recordOffsets[last]] ^= 0x80));
    await refusal(openStagedFile(cleared, key), "truncated", key);
    // Read as an upload still arriving, the record's info word no longer matches what its tag covers.
    const reader = await openStagedFile(cleared, key, { unfinished: true });
    try {
      const before = Buffer.alloc(layout.plainOffsets[last]);
      await reader.read(before, 0, before.length, 0);
      expect(before.equals(plaintext.subarray(0, before.length))).toBe(true);
      const buffer = Buffer.alloc(10, SENTINEL);
      await refusal(reader.read(buffer, 0, 10, plaintext.length - 10), "damaged", key);
      expect(allSentinel(buffer)).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it("refuses a record whose length was changed", async () => {
    const last = layout.recordOffsets.length - 1;
    // 500 → 496: the last record now ends before the file does.
    const shorter = tampered((copy) => void (copy[layout.recordOffsets[last] + 3] ^= 0x04));
    expect(decodeInfo(fs.readFileSync(shorter).readUInt32BE(layout.recordOffsets[last])).length).toBe(496);
    await refusal(openStagedFile(shorter, key), "damaged", key);
    // 500 → 508: the last record now runs past the file's end.
    const longer = tampered((copy) => void (copy[layout.recordOffsets[last] + 3] ^= 0x08));
    await refusal(openStagedFile(longer, key), "truncated", key);
    // A length no segment can have, in the middle: the file ends there as far as its records go.
    const huge = tampered((copy) => void (copy[layout.recordOffsets[target]] ^= 0x40));
    await refusal(openStagedFile(huge, key), "truncated", key);

    // 1000 → 992 in the middle: the records that follow no longer line up. What the scan makes of
    // the misaligned bytes depends on their (random) values, but nothing of the file is returned as read.
    for (let attempt = 0; attempt < 5; attempt++) {
      const file = fileIn("shifted");
      await sealToFile(file, key, plaintext, { segmentBytes });
      const shifted = fs.readFileSync(file);
      shifted[layout.recordOffsets[target] + 3] ^= 0x08;
      fs.writeFileSync(file, shifted);
      const error = await readAll(file, key).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(SealedFileError);
      expect(["damaged", "truncated"]).toContain((error as SealedFileError).problem);
      expectPlainSentence(error as SealedFileError, key);
    }
  });

  it("refuses two records swapped", async () => {
    const file = tampered((copy) => {
      const first = Buffer.from(recordOf(raw, layout, target));
      const second = Buffer.from(recordOf(raw, layout, target + 1));
      second.copy(copy, layout.recordOffsets[target]);
      first.copy(copy, layout.recordOffsets[target + 1]);
    });
    await expectDamagedFrom(file, badStart(), layout.plainOffsets[target + 2]);
  });

  it("refuses a file with a record dropped from the middle", async () => {
    const file = tampered((copy) => Buffer.concat([copy.subarray(0, layout.recordOffsets[target]), copy.subarray(layout.recordOffsets[target + 1])]));
    // The file still ends with its last record: it opens, and from the gap on every segment is out of place.
    expect((await layoutOf(file)).finished).toBe(true);
    await expectDamagedFrom(file, badStart(), plaintext.length - 1000);
  });

  it("reports a file whose last record was dropped, or cut short, as truncated", async () => {
    const last = layout.recordOffsets.length - 1;
    const dropped = tampered((copy) => copy.subarray(0, layout.recordOffsets[last]));
    const error = await refusal(openStagedFile(dropped, key), "truncated", key);
    expect(error.message).toContain(`it ends after segment ${last} without its final segment`);
    // What is there is a valid beginning: an upload still arriving reads it.
    expect(sha256(await readAll(dropped, key, { unfinished: true }))).toBe(sha256(plaintext.subarray(0, layout.plainOffsets[last])));

    const cut = tampered((copy) => copy.subarray(0, copy.length - 1));
    expect((await refusal(openStagedFile(cut, key), "truncated", key)).message).toContain("its last segment is incomplete");
    const headerOnly = tampered((copy) => copy.subarray(0, HEADER_BYTES));
    await refusal(openStagedFile(headerOnly, key), "truncated", key);
  });

  it("refuses bytes appended after the last record", async () => {
    const extra = [Buffer.from([0]), Buffer.alloc(4), crypto.randomBytes(37), sealRecord(key, layout.recordOffsets.length, Buffer.from("more"), true)];
    for (const bytes of extra) {
      const file = tampered((copy) => Buffer.concat([copy, bytes]));
      const error = await refusal(openStagedFile(file, key), "damaged", key);
      expect(error.message).toContain("bytes after its last segment");
      await refusal(openStagedFile(file, key, { unfinished: true }), "damaged", key);
    }
  });

  it("refuses a record copied in from a file sealed under another key", async () => {
    const otherKey = newFileKey();
    const other = fileIn("other");
    await sealToFile(other, otherKey, plaintext, { segmentBytes });
    const otherRaw = fs.readFileSync(other);
    const otherLayout = await layoutOf(other);
    const file = tampered((copy) => void recordOf(otherRaw, otherLayout, target).copy(copy, layout.recordOffsets[target]));
    // The same plaintext at the same position, its tag valid under its own key: refused under this file's.
    await expectDamagedFrom(file, badStart(), badEnd());
  });

  it("refuses a changed header", async () => {
    for (const at of [0, HEADER_BYTES - 1]) {
      const file = tampered((copy) => void (copy[at] ^= 0x02));
      // Not the sealed format, yet the file's record has a key: refused, never read as plain.
      await refusal(openStagedFile(file, key), "key_unexpected", key);
      const handle = await open(file, "r");
      try {
        const error = await refusal(scanSealedFile(handle), "damaged");
        expect(error.message).toContain("no valid header");
      } finally {
        await handle.close();
      }
    }
  });

  it("refuses a flipped ciphertext bit at the real segment size", async () => {
    const bigKey = newFileKey();
    const big = crypto.randomBytes(3 * SEGMENT_BYTES + 5);
    const file = fileIn("big-tampered");
    const sealed = sealWhole(bigKey, big);
    sealed[HEADER_BYTES + (RECORD_OVERHEAD + SEGMENT_BYTES) + INFO_BYTES + NONCE_BYTES + 77_777] ^= 0x04;
    fs.writeFileSync(file, sealed);
    const reader = await openStagedFile(file, bigKey);
    try {
      const before = Buffer.alloc(SEGMENT_BYTES);
      await reader.read(before, 0, before.length, 0);
      expect(before.equals(big.subarray(0, SEGMENT_BYTES))).toBe(true);
      const after = Buffer.alloc(SEGMENT_BYTES + 5);
      await reader.read(after, 0, after.length, 2 * SEGMENT_BYTES);
      expect(after.equals(big.subarray(2 * SEGMENT_BYTES))).toBe(true);
      const buffer = Buffer.alloc(100, SENTINEL);
      const error = await refusal(reader.read(buffer, 0, 100, SEGMENT_BYTES + 77_777 - 50), "damaged", bigKey);
      expect(error.message).toContain("segment 2");
      expect(allSentinel(buffer)).toBe(true);
      const { data, error: streamError } = await drain(reader.stream());
      expect((streamError as SealedFileError).problem).toBe("damaged");
      expect(data.length).toBe(0);
    } finally {
      await reader.close();
    }
  });
});

describe("keys", () => {
  it("refuses a sealed file without its key (shredded)", async () => {
    const file = fileIn("sealed");
    writeSealed(file, newFileKey(), crypto.randomBytes(5000));
    await refusal(openStagedFile(file, null), "key_missing");
  });

  it("refuses a key for a file that is not sealed", async () => {
    const key = newFileKey();
    for (const content of [crypto.randomBytes(5000), Buffer.alloc(0), Buffer.from("EDISEAL")]) {
      const file = fileIn("plain");
      fs.writeFileSync(file, content);
      await refusal(openStagedFile(file, key), "key_unexpected", key);
      await refusal(openStagedFile(file, key, { unfinished: true }), "key_unexpected", key);
    }
  });

  it("reads a plain file without a key as it is (files staged before encryption at rest)", async () => {
    for (const content of [crypto.randomBytes(3 * SEGMENT_BYTES + 5), Buffer.alloc(0), Buffer.from("EDI")]) {
      const file = fileIn("legacy");
      fs.writeFileSync(file, content);
      const reader = await openStagedFile(file, null);
      try {
        expect(reader.sealed).toBe(false);
        expect(reader.size).toBe(content.length);
        if (content.length > 1000) {
          const buffer = Buffer.alloc(1000);
          const { bytesRead } = await reader.read(buffer, 0, 1000, SEGMENT_BYTES - 3);
          expect(bytesRead).toBe(1000);
          expect(buffer.equals(content.subarray(SEGMENT_BYTES - 3, SEGMENT_BYTES + 997))).toBe(true);
        }
      } finally {
        await reader.close();
      }
      expect(sha256(await readAll(file, null))).toBe(sha256(content));
      expect(sha256(await readAll(file, null, { start: 1, blockBytes: 777 }))).toBe(sha256(content.subarray(1)));
    }
  });

  it("refuses a sealed file read with another 32-byte key as damaged", async () => {
    const file = fileIn("sealed");
    writeSealed(file, newFileKey(), crypto.randomBytes(5000));
    const wrong = newFileKey();
    for (const unfinished of [false, true]) {
      const reader = await openStagedFile(file, wrong, { unfinished });
      try {
        const buffer = Buffer.alloc(100, SENTINEL);
        const error = await refusal(reader.read(buffer, 0, 100, 0), "damaged", wrong);
        expect(error.message).toContain("segment 1");
        expect(allSentinel(buffer)).toBe(true);
        const { data, error: streamError } = await drain(reader.stream());
        expect((streamError as SealedFileError).problem).toBe("damaged");
        expect(data.length).toBe(0);
      } finally {
        await reader.close();
      }
    }
  });

  it("refuses a key of the wrong length, to read or to seal", async () => {
    const key = newFileKey();
    const file = fileIn("sealed");
    writeSealed(file, key, crypto.randomBytes(100));
    for (const wrong of [Buffer.alloc(0), key.subarray(0, 16), key.subarray(0, 31), Buffer.concat([key, Buffer.from([1])])]) {
      const error = await refusal(openStagedFile(file, wrong), "key_missing", key);
      expect(error.message).toContain("256-bit");
      expect(() => sealWhole(wrong, Buffer.from("x"))).toThrow(SealedFileError);
      expect(() => new SealingStream(wrong, { header: true })).toThrow(SealedFileError);
    }
  });

  it("takes a key given as a view into a larger buffer, and leaves the caller's key as it was", async () => {
    const key = newFileKey();
    const backing = Buffer.alloc(64);
    key.copy(backing, 7);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 7, 32);
    const plaintext = crypto.randomBytes(5000);
    const file = fileIn("view");
    await sealToFile(file, view, plaintext, { segmentBytes: 1000 });
    fs.writeFileSync(fileIn("view-whole"), sealWhole(view, plaintext, 1000));
    // Sealed with the view, read with the plain key and the other way round.
    expect(sha256(await readAll(file, key))).toBe(sha256(plaintext));
    expect(sha256(await readAll(file, view))).toBe(sha256(plaintext));
    // Sealers and readers wipe their own copies, never the caller's (nor its neighbours).
    expect(Buffer.from(view).equals(key)).toBe(true);
    expect(allZero(backing.subarray(0, 7)) && allZero(backing.subarray(39))).toBe(true);
  });
});

describe("memory", () => {
  it("streams a 64 MiB sealed file in and out with bounded buffer memory", async () => {
    const gc = exposedGc()!;
    expect(gc, "gc() is needed to measure what is held rather than garbage not yet collected").toBeTypeOf("function");
    const key = newFileKey();
    const file = fileIn("large");
    const size = 64 * 1024 * 1024;
    const written = crypto.createHash("sha256");
    const sample = (state: { baseline: number; peak: number }) => {
      state.peak = Math.max(state.peak, process.memoryUsage().arrayBuffers);
      // Garbage is collected as it goes, so what is measured is what is held, not what is not yet freed.
      gc();
    };

    gc();
    const writing = { baseline: process.memoryUsage().arrayBuffers, peak: 0 };
    const chunkBytes = 1024 * 1024 + 17;
    await pipeline(
      Readable.from(
        (function* () {
          for (let at = 0; at < size; at += chunkBytes) {
            const chunk = crypto.randomBytes(Math.min(chunkBytes, size - at));
            written.update(chunk);
            sample(writing);
            yield chunk;
          }
        })(),
      ),
      new SealingStream(key, { header: true }),
      fs.createWriteStream(file, { mode: 0o600 }),
    );
    expect(fs.statSync(file).size).toBe(HEADER_BYTES + (size / SEGMENT_BYTES) * RECORD_OVERHEAD + size);

    gc();
    const reading = { baseline: process.memoryUsage().arrayBuffers, peak: 0 };
    const read = crypto.createHash("sha256");
    let bytes = 0;
    const reader = await openStagedFile(file, key);
    try {
      expect(reader.size).toBe(size);
      for await (const chunk of reader.stream()) {
        read.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        sample(reading);
      }
    } finally {
      await reader.close();
    }
    fs.rmSync(file);
    expect(bytes).toBe(size);
    expect(read.digest("hex")).toBe(written.digest("hex"));
    const MiB = 1024 * 1024;
    expect((writing.peak - writing.baseline) / MiB).toBeLessThan(32);
    expect((reading.peak - reading.baseline) / MiB).toBeLessThan(32);
  });
});

function writeSealed(file: string, key: Buffer, plaintext: Buffer): void {
  fs.writeFileSync(file, sealWhole(key, plaintext, 1000), { mode: 0o600 });
}

function allZero(bytes: Buffer): boolean {
  return bytes.every((byte) => byte === 0);
}

/** V8's gc() (vitest's workers do not expose it): the flag set now holds for contexts created after it. */
function exposedGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as unknown;
  return typeof gc === "function" ? (gc as () => void) : undefined;
}
