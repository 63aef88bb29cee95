import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

/**
 * Staged files live outside anything the web server serves, under generated names only: the
 * partner's original file name is metadata in the database, never a path on disk.
 */
export function stagingRoot(): string {
  return path.join(env().DATA_DIR, "staging");
}

export function newStagingKey(now = new Date()): string {
  return `${now.toISOString().slice(0, 7)}/${crypto.randomUUID()}`;
}

export function stagingPath(key: string): string {
  if (!/^\d{4}-\d{2}\/[0-9a-f-]{36}$/.test(key)) throw new Error("invalid staging key");
  return path.join(stagingRoot(), key);
}

export async function writeStagedFile(key: string, content: Buffer | string): Promise<void> {
  const file = stagingPath(key);
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.promises.writeFile(file, content, { mode: 0o600, flag: "wx" });
}

export async function removeStagedFile(key: string): Promise<boolean> {
  try {
    await fs.promises.unlink(stagingPath(key));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
