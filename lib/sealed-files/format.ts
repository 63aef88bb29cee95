import { createCipheriv, createDecipheriv, randomFillSync } from "node:crypto";

/*
 * The on-disk format of a sealed staged file (claim files and payer responses are PHI).
 *
 *   file    = header record*
 *   header  = "EDISEAL" 0x01                                 8 bytes: magic and format version
 *   record  = info(4) nonce(12) ciphertext(n) tag(16)
 *   info    = big-endian u32: bit 31 set on the file's last record, bits 0..30 the plaintext length n
 *
 * Each record is AES-256-GCM under the file's own 256-bit data key, with the record's index (its
 * position in the file), the info word and the header as associated data: a record altered, moved,
 * dropped or copied from another file fails its tag; a file cut after any record lacks the record
 * flagged last, so it is reported as truncated instead of read as a shorter file.
 *
 * Records hold at most SEGMENT_BYTES of plaintext. Most are full; a resumable upload also ends one
 * wherever a request ended, so a file's records vary in length and nothing is ever rewritten, except
 * the torn record a crash can leave at the end, which is cut off before the next append.
 *
 * Why a random nonce per record rather than one derived from the index: that cut-off record is
 * written again under the same index with different bytes, and a derived nonce would then repeat
 * under the same key (GCM's one fatal misuse). 96 random bits are safe for 2^32 records per key,
 * a petabyte at this segment size.
 */

export const MAGIC = Buffer.from("EDISEAL\x01", "latin1");
export const HEADER_BYTES = MAGIC.length;
export const INFO_BYTES = 4;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const RECORD_OVERHEAD = INFO_BYTES + NONCE_BYTES + TAG_BYTES;
export const FILE_KEY_BYTES = 32;
/** 256 KiB: sealing one costs ~0.1 ms of CPU, so a request's event loop is never held for long. */
export const SEGMENT_BYTES = 256 * 1024;
const LAST_FLAG = 0x8000_0000;
const LENGTH_MASK = 0x7fff_ffff;

export type SealedFileProblem = "damaged" | "truncated" | "key_missing" | "key_unexpected";

/** A staged file that cannot be read as what was stored. Its message is safe to show (no bytes, no key). */
export class SealedFileError extends Error {
  constructor(
    readonly problem: SealedFileProblem,
    message: string,
  ) {
    super(message);
    this.name = "SealedFileError";
  }
}

export function isSealedHeader(head: Buffer): boolean {
  return head.length >= HEADER_BYTES && head.subarray(0, HEADER_BYTES).equals(MAGIC);
}

export function checkFileKey(key: Uint8Array): Buffer {
  if (key.length !== FILE_KEY_BYTES) throw new SealedFileError("key_missing", "The staged file's key is not a 256-bit key.");
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
}

export function encodeInfo(length: number, last: boolean): number {
  if (!Number.isInteger(length) || length < 0 || length > SEGMENT_BYTES) throw new RangeError(`record length ${length}`);
  return (last ? LAST_FLAG : 0) | length;
}

export function decodeInfo(info: number): { length: number; last: boolean } {
  return { length: info & LENGTH_MASK, last: (info & LAST_FLAG) !== 0 };
}

function associatedData(index: number, info: Buffer): Buffer {
  const aad = Buffer.allocUnsafe(HEADER_BYTES + 8 + INFO_BYTES);
  MAGIC.copy(aad, 0);
  aad.writeBigUInt64BE(BigInt(index), HEADER_BYTES);
  info.copy(aad, HEADER_BYTES + 8);
  return aad;
}

/** One record (info, nonce, ciphertext, tag) for `plaintext` at position `index`. */
export function sealRecord(key: Buffer, index: number, plaintext: Buffer, last: boolean): Buffer {
  return Buffer.concat(sealRecordPieces(key, index, plaintext, last));
}

/**
 * The record as three pieces to write one after the other: info and nonce, ciphertext, tag.
 * node:crypto returns the ciphertext in a fresh buffer; copying it into a record-sized buffer would
 * double the bytes a sealing stream allocates (and the garbage a 1 GiB upload leaves).
 */
export function sealRecordPieces(key: Buffer, index: number, plaintext: Buffer, last: boolean): [Buffer, Buffer, Buffer] {
  const head = Buffer.allocUnsafe(INFO_BYTES + NONCE_BYTES);
  head.writeUInt32BE(encodeInfo(plaintext.length, last) >>> 0, 0);
  const nonce = head.subarray(INFO_BYTES, INFO_BYTES + NONCE_BYTES);
  randomFillSync(nonce);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(index, head.subarray(0, INFO_BYTES)));
  const body = cipher.update(plaintext);
  cipher.final();
  return [head, body, cipher.getAuthTag()];
}

/** The plaintext of a complete record read from disk, or SealedFileError("damaged"). */
export function openRecord(key: Buffer, index: number, record: Buffer): Buffer {
  const { length } = decodeInfo(record.readUInt32BE(0));
  if (record.length !== RECORD_OVERHEAD + length) throw damaged(index);
  const nonce = record.subarray(INFO_BYTES, INFO_BYTES + NONCE_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(index, record.subarray(0, INFO_BYTES)));
  decipher.setAuthTag(record.subarray(INFO_BYTES + NONCE_BYTES + length));
  const plaintext = decipher.update(record.subarray(INFO_BYTES + NONCE_BYTES, INFO_BYTES + NONCE_BYTES + length));
  try {
    decipher.final();
  } catch {
    plaintext.fill(0);
    throw damaged(index);
  }
  return plaintext;
}

export function damaged(index: number): SealedFileError {
  return new SealedFileError(
    "damaged",
    `The portal's stored copy of this file failed its integrity check at segment ${index + 1}: its bytes were altered, reordered or mixed with another file's. Nothing altered is sent.`,
  );
}

export function truncated(detail: string): SealedFileError {
  return new SealedFileError("truncated", `The portal's stored copy of this file is cut short (${detail}). Nothing incomplete is sent.`);
}
