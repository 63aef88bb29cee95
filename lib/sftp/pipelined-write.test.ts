import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEGMENT_BYTES } from "@/lib/sealed-files/format";
import type { StagedFileReader } from "@/lib/sealed-files/reader";
import { newFileKey, writeSealedFile } from "@/lib/sealed-files/writer";
import { pipelinedWrite } from "@/lib/sftp/pipelined-write";
import { TransferError } from "@/lib/transfers/errors";
import { openStagedSource } from "@/lib/transfers/staging/staged-source";

/*
 * pipelinedWrite over real staged files (sealed, read through lib/transfers/staging/staged-source.ts
 * as a relay reads them, and plain) into a writer that records each WRITE request as the server
 * would apply it: every request is whole, in offset order and of the write size, its block handed
 * back only once copied; resuming at any offset, on a segment boundary or not, sends exactly the
 * rest; a segment that fails its check stops the upload before any of it is handed to the writer.
 */

const OPENSSH_WRITE = 255 * 1024;
// Seven segments and an odd tail: requests cross every segment boundary, the last one is short.
const FILE_BYTES = 7 * SEGMENT_BYTES + 12_345;

let directory: string;
let plaintext: Buffer;
let sealedPath: string;
let plainPath: string;
const key = newFileKey();

beforeAll(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "pipelined-write-"));
  plaintext = crypto.randomBytes(FILE_BYTES);
  sealedPath = path.join(directory, "sealed.x12");
  plainPath = path.join(directory, "plain.x12");
  await writeSealedFile(sealedPath, key, plaintext);
  fs.writeFileSync(plainPath, plaintext);
});
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

interface RecordedRequest {
  position: number;
  length: number;
}

/** A writer that copies each request as the direct writer does, replies on a later turn, and keeps what it got. */
function recordingWriter() {
  const requests: RecordedRequest[] = [];
  const received = Buffer.alloc(FILE_BYTES);
  return {
    requests,
    received,
    queuedBytes: 0,
    write(_handle: Buffer, data: Buffer, offset: number, length: number, position: number, callback: (error?: Error | null) => void, onCopied?: () => void) {
      data.copy(received, position, offset, offset + length);
      requests.push({ position, length });
      // The block is the caller's again: scribble on it, as its next read would.
      onCopied?.();
      data.fill(0xee, offset, offset + length);
      setImmediate(() => callback());
    },
  };
}

async function send(reader: StagedFileReader, startOffset: number, writer = recordingWriter()) {
  const acked = await pipelinedWrite({
    writer,
    remoteHandle: Buffer.from("handle"),
    local: reader,
    startOffset,
    totalBytes: reader.size,
    chunkSize: OPENSSH_WRITE,
    maxInFlight: 16,
    stopped: new Promise<never>(() => undefined),
    mapError: (error) => new TransferError("UNKNOWN", String(error)),
  });
  return { acked, ...writer };
}

function expectWholeOrderedRequests(requests: RecordedRequest[], startOffset: number) {
  let next = startOffset;
  for (const [index, request] of requests.entries()) {
    expect(request.position).toBe(next);
    if (index < requests.length - 1) expect(request.length).toBe(OPENSSH_WRITE);
    next += request.length;
  }
  expect(next).toBe(FILE_BYTES);
  expect(requests.length).toBe(Math.ceil((FILE_BYTES - startOffset) / OPENSSH_WRITE));
}

describe("pipelinedWrite", () => {
  for (const startOffset of [0, 1, SEGMENT_BYTES, 3 * SEGMENT_BYTES - 7, FILE_BYTES - 5]) {
    it(`sends a sealed file's plaintext in whole, ordered requests from offset ${startOffset}`, async () => {
      const reader = await openStagedSource(sealedPath, key);
      try {
        expect(reader.sealed).toBe(true);
        const { acked, requests, received } = await send(reader, startOffset);
        expect(acked).toBe(FILE_BYTES - startOffset);
        expect(received.subarray(startOffset).equals(plaintext.subarray(startOffset))).toBe(true);
        expectWholeOrderedRequests(requests, startOffset);
      } finally {
        await reader.close();
      }
    });
  }

  it("sends a plain file (staged before encryption at rest) the same way", async () => {
    const reader = await openStagedSource(plainPath, null);
    try {
      expect(reader.sealed).toBe(false);
      const { acked, requests, received } = await send(reader, 1000);
      expect(acked).toBe(FILE_BYTES - 1000);
      expect(received.subarray(1000).equals(plaintext.subarray(1000))).toBe(true);
      expectWholeOrderedRequests(requests, 1000);
    } finally {
      await reader.close();
    }
  });

  it("stops with STAGED_FILE_DAMAGED when a segment fails its check, before handing the writer any of it", async () => {
    const damagedPath = path.join(directory, "damaged.x12");
    const bytes = fs.readFileSync(sealedPath);
    // A byte inside the fifth segment's ciphertext (an 8-byte header, then segments of 256 KiB + 32).
    bytes[8 + 4 * (SEGMENT_BYTES + 32) + 100] ^= 1;
    fs.writeFileSync(damagedPath, bytes);
    const reader = await openStagedSource(damagedPath, key);
    try {
      const writer = recordingWriter();
      await expect(send(reader, 0, writer)).rejects.toMatchObject({ code: "STAGED_FILE_DAMAGED" });
      // Only bytes of the four sound segments before it were handed over, each one intact.
      const sent = writer.requests.reduce((total, r) => total + r.length, 0);
      expect(sent).toBeGreaterThan(0);
      expect(sent).toBeLessThanOrEqual(4 * SEGMENT_BYTES);
      expect(writer.received.subarray(0, sent).equals(plaintext.subarray(0, sent))).toBe(true);
    } finally {
      await reader.close();
    }
  });
});
