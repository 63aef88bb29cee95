/**
 * One owner per embedded data directory. PGlite, unlike a PostgreSQL server, does not guard its
 * directory, and two processes writing the same files corrupt it. The lock is a file next to the
 * directory holding the owner's pid; a lock whose process is gone is stale and taken over.
 */
import fs from "node:fs";
import path from "node:path";

/** The code of the error thrown when a live process holds the directory. */
export const DATA_DIR_LOCKED = "DATA_DIR_LOCKED";

/** How long to wait for a previous owner that is still closing (its portal has just stopped). */
const DEFAULT_WAIT_MS = 20_000;

function errorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

/** Takes the lock on `dataDir` (waiting up to `waitMs` for a live owner) and returns its release. */
export async function acquireDataDirLock(dataDir: string, waitMs: number = DEFAULT_WAIT_MS): Promise<() => void> {
  const lockPath = `${path.resolve(dataDir)}.lock`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: "wx", mode: 0o600 });
      return () => {
        try {
          if (fs.readFileSync(lockPath, "utf8") === String(process.pid)) fs.rmSync(lockPath);
        } catch {
          // Already gone.
        }
      };
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
    let owner: number;
    try {
      owner = Number.parseInt(fs.readFileSync(lockPath, "utf8"), 10);
    } catch (error) {
      // Released between the two calls: try again.
      if (errorCode(error) === "ENOENT") continue;
      throw error;
    }
    if (!Number.isInteger(owner) || owner <= 0 || !isRunning(owner)) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      const error = new Error(
        `The embedded database in ${dataDir} is in use by process ${owner} (another portal on the same DATA_DIR?). Stop that process, or give this one its own DATA_DIR.`,
      );
      // The portal's supervisor never restarts over a live owner: it tells this error apart by its code.
      throw Object.assign(error, { code: DATA_DIR_LOCKED });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
