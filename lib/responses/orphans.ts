import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { getDb } from "@/db/client";
import * as responsesRepo from "@/db/repositories/response-files";
import type { SystemActor } from "@/lib/auth/actor";
import { logger } from "@/lib/logger";
import { discardStagedFile } from "@/lib/transfers/staging/discard";
import { stagingRoot } from "@/lib/transfers/staging/files";

/** No pickup runs this long: a younger file may still be on its way to its row. */
export const ORPHAN_MIN_AGE_MS = 24 * 3_600_000;

const MONTH = /^\d{4}-\d{2}$/;
const FILE = /^([0-9a-f-]{36})(\.part)?$/;
const BATCH = 500;

/**
 * A pickup writes each payer file (`responses/YYYY-MM/<uuid>`, as `<uuid>.part` until complete)
 * before the row that records it, because the row holds the file's hash and what it says. A process
 * that dies in between leaves bytes no row names. Their data key died with the process (keys are
 * stored with the row), so they cannot be read, but they hold disk: the hourly retention job
 * removes them once they are a day old. A file some row names is never touched here; those leave by
 * retention (lib/responses/retention.ts). Returns the staging keys removed.
 */
export async function removeOrphanedResponseFiles(system: SystemActor, now = new Date(), minAgeMs = ORPHAN_MIN_AGE_MS): Promise<string[]> {
  const root = path.join(stagingRoot(), "responses");
  const cutoff = now.getTime() - minAgeMs;
  const candidates: Array<{ stagingKey: string; file: string; partial: boolean }> = [];
  for (const month of (await listDirectory(root)).filter((name) => MONTH.test(name))) {
    for (const name of await listDirectory(path.join(root, month))) {
      const match = FILE.exec(name);
      if (!match) continue;
      const file = path.join(root, month, name);
      const stats = await fs.stat(file).catch(() => undefined);
      if (!stats?.isFile() || stats.mtimeMs > cutoff) continue;
      candidates.push({ stagingKey: `responses/${month}/${match[1]}`, file, partial: Boolean(match[2]) });
    }
  }

  const removed: string[] = [];
  for (let start = 0; start < candidates.length; start += BATCH) {
    const batch = candidates.slice(start, start + BATCH);
    const recorded = await responsesRepo.recordedResponseStagingKeys(await getDb(), batch.map((candidate) => candidate.stagingKey));
    for (const candidate of batch) {
      if (recorded.has(candidate.stagingKey)) continue;
      try {
        // A finished file goes the way every staged file goes (any key shredded first); a .part never had a stored key.
        if (candidate.partial) await fs.rm(candidate.file, { force: true });
        else await discardStagedFile(candidate.stagingKey);
        removed.push(candidate.stagingKey);
      } catch (error) {
        logger.error("an orphaned payer file could not be removed", { stagingKey: candidate.stagingKey, error });
      }
    }
  }
  if (removed.length) logger.warn("payer files no record names were removed (a pickup stopped between download and record)", { by: system.name, count: removed.length, stagingKeys: removed.slice(0, 20) });
  return removed;
}

async function listDirectory(directory: string): Promise<string[]> {
  try {
    return await fs.readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
