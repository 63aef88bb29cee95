import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * A local operator token (DATA_DIR/internal-token, 0600) that lets command-line tools ask the
 * running portal to do work that needs its database handle — the embedded database has one owner.
 */
export function internalTokenFile(dataDir: string): string {
  return path.join(dataDir, "internal-token");
}

export function ensureInternalToken(dataDir: string): string {
  const file = internalTokenFile(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
  } catch (error) {
    // Made already: by an earlier start, or by another instance on a shared DATA_DIR at this moment.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  // That other instance may be between creating the file and writing it: wait a moment for the bytes.
  for (let attempt = 0; attempt < 50; attempt++) {
    const token = fs.readFileSync(file, "utf8").trim();
    if (token) return token;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new Error(`${file} is empty: delete it and start again.`);
}

export function internalTokenMatches(dataDir: string, presented: string | null): boolean {
  if (!presented) return false;
  let expected: string;
  try {
    expected = fs.readFileSync(internalTokenFile(dataDir), "utf8").trim();
  } catch {
    return false;
  }
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
