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
  if (!fs.existsSync(file)) fs.writeFileSync(file, crypto.randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
  return fs.readFileSync(file, "utf8").trim();
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
