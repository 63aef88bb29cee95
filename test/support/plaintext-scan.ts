import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/*
 * Looking for a file's plaintext where it must not be: raw bytes on disk, searched for windows
 * (short runs of the plaintext) with constant memory. Used by the encryption-at-rest tests
 * (test/staging-encryption.test.ts, issue #21).
 */

export const WINDOW_BYTES = 64;

/** Every regular file under `root`, recursively (hidden files, `.part` and tus `.json` info files included). */
export function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** A labelled run of a file's plaintext. */
export interface PlaintextWindow {
  label: string;
  bytes: Buffer;
}

/**
 * Windows of `plaintext` at its start, middle and end, and at any `extra` offsets (a cut, a resume
 * point), each WINDOW_BYTES long (shorter only for a file shorter than that).
 */
export function windowsOf(name: string, plaintext: Buffer, extra: Record<string, number> = {}): PlaintextWindow[] {
  const size = Math.min(WINDOW_BYTES, plaintext.length);
  const at = (offset: number) => Math.max(0, Math.min(offset, plaintext.length - size));
  const offsets: Record<string, number> = { start: 0, "a third in": Math.floor(plaintext.length / 3), middle: Math.floor(plaintext.length / 2), end: plaintext.length - size, ...extra };
  return Object.entries(offsets).map(([label, offset]) => ({ label: `${name} @${label} (${at(offset)})`, bytes: Buffer.from(plaintext.subarray(at(offset), at(offset) + size)) }));
}

/**
 * Which windows occur anywhere in the raw bytes of `files`: each file is read in 1 MiB blocks, each
 * block searched together with the tail of the one before, so a window straddling two blocks is
 * found too.
 */
export async function findWindows(files: string[], windows: PlaintextWindow[]): Promise<string[]> {
  const longest = Math.max(0, ...windows.map((window) => window.bytes.length));
  const found: string[] = [];
  for (const file of files) {
    let carry = Buffer.alloc(0);
    // A file may be removed between the listing and the read (a pickup's .part renamed): nothing to search then.
    const stream = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
    try {
      for await (const chunk of stream) {
        const block = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
        for (const window of windows) {
          if (block.indexOf(window.bytes) >= 0) found.push(`${window.label} in ${file}`);
        }
        carry = Buffer.from(block.subarray(Math.max(0, block.length - (longest - 1))));
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return [...new Set(found)];
}

/** SHA-256 (hex) of a file, streamed. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = crypto.createHash("sha256");
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/** Byte → an X12-looking character: mostly letters and digits, with separators and segment terminators. */
const TEXT_OF_BYTE = Buffer.from(Array.from({ length: 256 }, (_, i) => (i < 200 ? LETTERS.charCodeAt(i % LETTERS.length) : i < 240 ? 0x2a /* * */ : i < 250 ? 0x3a /* : */ : 0x7e /* ~ */)));

/** Random bytes as X12-looking text; each output byte depends on its input byte only. */
function asText(random: Buffer): Buffer {
  const out = Buffer.allocUnsafe(random.length);
  for (let i = 0; i < random.length; i++) out[i] = TEXT_OF_BYTE[random[i]];
  return out;
}

/** An ISA/GS/ST header naming `submitterId`, as the portal's X12 checks read it. */
export function x12Header(submitterId: string, controlNumber: number, usage: "P" | "T" = "P"): string {
  const icn = String(controlNumber).padStart(9, "0");
  return `ISA*00*          *00*          *ZZ*${submitterId.padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*${icn}*0*${usage}*:~\nGS*HC*${submitterId}*RECEIVER*20261121*1030*1*X*005010X222A1~\nST*837*0001*005010X222A1~\n`;
}

export function x12Trailer(controlNumber: number): string {
  return `SE*2*0001~\nGE*1*1~\nIEA*1*${String(controlNumber).padStart(9, "0")}~\n`;
}

/** A random-looking, X12-looking claim file of exactly `size` bytes (in memory: a few MiB at most). */
export function randomX12ish(submitterId: string, size: number): Buffer {
  const control = crypto.randomInt(1, 999_999_999);
  const head = Buffer.from(x12Header(submitterId, control));
  const tail = Buffer.from(x12Trailer(control));
  if (size < head.length + tail.length) throw new Error(`a claim file needs at least ${head.length + tail.length} bytes`);
  return Buffer.concat([head, asText(crypto.randomBytes(size - head.length - tail.length)), tail]);
}

/**
 * A large claim file produced on demand, in order, never held whole: the same `seed` gives the same
 * bytes (AES-256-CTR keystream of the seed, mapped to X12-looking text; byte n depends on n only).
 * Hashes what it produces, and keeps the plaintext windows at its start, its end and the offsets
 * asked for.
 */
export class GeneratedClaimFile {
  readonly size: number;
  produced = 0;
  private readonly cipher: crypto.Cipher;
  private readonly hash = crypto.createHash("sha256");
  private readonly head: Buffer;
  private readonly tail: Buffer;
  private readonly wanted: Array<{ label: string; offset: number; bytes: Buffer; filled: number }>;

  constructor(options: { seed: string; size: number; submitterId: string; windowsAt?: Record<string, number> }) {
    this.size = options.size;
    const key = crypto.createHash("sha256").update(`key:${options.seed}`).digest();
    const iv = crypto.createHash("sha256").update(`iv:${options.seed}`).digest().subarray(0, 16);
    this.cipher = crypto.createCipheriv("aes-256-ctr", key, iv);
    this.head = Buffer.from(x12Header(options.submitterId, 1));
    this.tail = Buffer.from(x12Trailer(1));
    const offsets: Record<string, number> = { start: 0, end: this.size - WINDOW_BYTES, ...options.windowsAt };
    this.wanted = Object.entries(offsets).map(([label, offset]) => ({ label: `generated @${label} (${offset})`, offset, bytes: Buffer.alloc(WINDOW_BYTES), filled: 0 }));
  }

  /** The next `length` bytes (fewer at the end), or null once all were produced. */
  next(length: number): Buffer | null {
    const count = Math.min(length, this.size - this.produced);
    if (count <= 0) return null;
    const chunk = asText(this.cipher.update(Buffer.alloc(count)));
    // The envelope over the first and last bytes, where the portal's checks look for it.
    const from = this.produced;
    this.overlay(chunk, from, this.head, 0);
    this.overlay(chunk, from, this.tail, this.size - this.tail.length);
    for (const window of this.wanted) {
      const start = Math.max(window.offset, from);
      const end = Math.min(window.offset + WINDOW_BYTES, from + count);
      if (start < end) window.filled += chunk.copy(window.bytes, start - window.offset, start - from, end - from);
    }
    this.hash.update(chunk);
    this.produced += count;
    return chunk;
  }

  sha256(): string {
    if (this.produced !== this.size) throw new Error(`only ${this.produced} of ${this.size} bytes were produced`);
    return this.hash.digest("hex");
  }

  /** The windows produced so far. */
  windowsSoFar(): PlaintextWindow[] {
    return this.wanted.filter((window) => window.filled === WINDOW_BYTES).map((window) => ({ label: window.label, bytes: window.bytes }));
  }

  windows(): PlaintextWindow[] {
    const incomplete = this.wanted.find((window) => window.filled !== WINDOW_BYTES);
    if (incomplete) throw new Error(`${incomplete.label} was not produced yet`);
    return this.wanted.map((window) => ({ label: window.label, bytes: window.bytes }));
  }

  private overlay(chunk: Buffer, chunkOffset: number, part: Buffer, partOffset: number): void {
    const start = Math.max(chunkOffset, partOffset);
    const end = Math.min(chunkOffset + chunk.length, partOffset + part.length);
    if (start < end) part.copy(chunk, start - chunkOffset, start - partOffset, end - partOffset);
  }
}

/**
 * A request body pulled chunk by chunk (highWaterMark 0: nothing is read ahead). `cutAfter`: the
 * client's connection drops once that many bytes were delivered — the stream errors on the next
 * read, after `beforeCut` (a wait for a condition on the server's side) settles.
 */
export function bodyStream(
  next: (length: number) => Buffer | null,
  options: { chunkBytes?: number; limit?: number; cutAfter?: number; beforeCut?: () => Promise<unknown> } = {},
) {
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const state = { delivered: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (options.cutAfter !== undefined && state.delivered >= options.cutAfter) {
          await options.beforeCut?.();
          return controller.error(new Error("the client's connection dropped"));
        }
        const room = Math.min(chunkBytes, (options.cutAfter ?? Infinity) - state.delivered, (options.limit ?? Infinity) - state.delivered);
        const chunk = room > 0 ? next(room) : null;
        if (!chunk) return controller.close();
        state.delivered += chunk.length;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** `next` for bodyStream over part of a buffer held in memory. */
export function sliceSource(content: Buffer, from: number, to = content.length): (length: number) => Buffer | null {
  let at = from;
  return (length) => {
    if (at >= to) return null;
    const chunk = content.subarray(at, Math.min(to, at + length));
    at += chunk.length;
    return chunk;
  };
}
