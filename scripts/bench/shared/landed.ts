import { existsSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { BenchFailure } from "./errors";
import { sha256OfFile } from "./payload";

/**
 * A delivery counts only if the payer holds the file under its final name at its full size, no temp
 * file (`.part`) is left, and (when `sha256` is given) its bytes are the source's. The delivered
 * files are removed either way. `payer` names the server in the failure ("the legacy payer").
 */
export async function checkLanded(landingDir: string, name: string, expected: { bytes: number; sha256?: string }, payer: string): Promise<void> {
  const landed = path.join(landingDir, name);
  try {
    const size = await stat(landed).then(
      (s) => s.size,
      () => undefined,
    );
    if (size !== expected.bytes) throw new BenchFailure(`${payer} holds ${size ?? "nothing"} bytes of ${name}, expected ${expected.bytes}`, "");
    if (existsSync(`${landed}.part`)) throw new BenchFailure(`${name}.part was left behind on ${payer} after the rename`, "");
    if (expected.sha256 && (await sha256OfFile(landed)) !== expected.sha256) throw new BenchFailure(`${name} on ${payer} differs from the source file (SHA-256)`, "");
  } finally {
    await rm(landed, { force: true });
    await rm(`${landed}.part`, { force: true });
  }
}
