import { readFile } from "node:fs/promises";
import { openStagedFile } from "@/lib/sealed-files/reader";

/** The plaintext of a sealed staged file, read back with its key (small files only: it is held in memory). */
export async function plaintextOf(file: string, key: Uint8Array | null): Promise<Buffer> {
  const reader = await openStagedFile(file, key);
  try {
    const parts: Buffer[] = [];
    for await (const chunk of reader.stream()) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  } finally {
    await reader.close();
  }
}

/** The staged file as it lies on disk is sealed: its header, and not `plaintext` (nor a 32-byte window of it). */
export async function expectSealedOnDisk(file: string, plaintext: Buffer): Promise<boolean> {
  const raw = await readFile(file);
  if (raw.subarray(0, 7).toString("latin1") !== "EDISEAL") return false;
  const window = plaintext.subarray(0, Math.min(32, plaintext.length));
  return window.length === 0 || raw.indexOf(window) === -1;
}
