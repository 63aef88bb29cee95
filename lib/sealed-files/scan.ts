import type { FileHandle } from "node:fs/promises";
import { decodeInfo, HEADER_BYTES, INFO_BYTES, isSealedHeader, RECORD_OVERHEAD, SEGMENT_BYTES, SealedFileError, truncated } from "@/lib/sealed-files/format";

/** Where each record of a sealed file lies, read from the 4-byte record headers only (no decryption). */
export interface SealedLayout {
  /** File offset of each complete record. */
  recordOffsets: number[];
  /** Plaintext offset at which each record starts. */
  plainOffsets: number[];
  /** Plaintext length of each record. */
  plainLengths: number[];
  /** Sum of the complete records' plaintext. */
  plainBytes: number;
  /** File bytes up to the end of the last complete record (the rest is a torn write). */
  completeBytes: number;
  /** The file on disk: more than completeBytes when a write was torn by a crash. */
  fileBytes: number;
  /** The last complete record carries the "last" flag. */
  finished: boolean;
}

export async function scanSealedFile(handle: FileHandle): Promise<SealedLayout> {
  const fileBytes = (await handle.stat()).size;
  const head = Buffer.alloc(HEADER_BYTES);
  const { bytesRead } = await handle.read(head, 0, HEADER_BYTES, 0);
  if (bytesRead < HEADER_BYTES || !isSealedHeader(head)) throw new SealedFileError("damaged", "The portal's stored copy of this file has no valid header.");
  const layout: SealedLayout = { recordOffsets: [], plainOffsets: [], plainLengths: [], plainBytes: 0, completeBytes: HEADER_BYTES, fileBytes, finished: false };
  const info = Buffer.alloc(INFO_BYTES);
  let at = HEADER_BYTES;
  while (at + INFO_BYTES <= fileBytes) {
    await handle.read(info, 0, INFO_BYTES, at);
    const { length, last } = decodeInfo(info.readUInt32BE(0));
    const end = at + RECORD_OVERHEAD + length;
    // Torn by a crash mid-write (or garbage where a segment should start): what follows the last
    // complete segment is not part of the file. A finished file must end with its last segment, so
    // for it this is reported as truncated; an upload still arriving resumes from here.
    if (length > SEGMENT_BYTES || end > fileBytes) break;
    layout.recordOffsets.push(at);
    layout.plainOffsets.push(layout.plainBytes);
    layout.plainLengths.push(length);
    layout.plainBytes += length;
    layout.completeBytes = end;
    at = end;
    if (last) {
      layout.finished = true;
      if (end !== fileBytes) throw new SealedFileError("damaged", "The portal's stored copy of this file has bytes after its last segment.");
      break;
    }
  }
  return layout;
}

/** The layout of a file that must be complete (every record present, the last one flagged). */
export async function scanFinishedSealedFile(handle: FileHandle): Promise<SealedLayout> {
  const layout = await scanSealedFile(handle);
  if (!layout.finished) {
    throw truncated(layout.completeBytes < layout.fileBytes ? "its last segment is incomplete" : `it ends after segment ${layout.recordOffsets.length} without its final segment`);
  }
  return layout;
}
