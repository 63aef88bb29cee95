import "server-only";
import fs from "node:fs";
import { env, type Env } from "@/lib/env";
import { stagingRoot } from "@/lib/transfers/staging/files";

/*
 * Free space on the staging volume is a limit like a destination's size limit: an upload is
 * accepted only if its declared size fits with a reserve to spare, and running out mid-upload ends
 * that upload cleanly instead of leaving a partial file that makes every later upload fail too.
 *
 * The reserve keeps room for what else lives on the volume (the embedded database, uploads already
 * under way, logs). STAGING_RESERVE_MB sets it; unset, it is 5% of the volume, at most 1 GiB, so a
 * large volume keeps 1 GiB and a small disk (a demo, a test's tmpfs) still takes uploads.
 */

const MiB = 1024 * 1024;
/** The default reserve: this share of the volume… */
export const DEFAULT_RESERVE_SHARE = 0.05;
/** …but never more than this. */
export const DEFAULT_RESERVE_MAX_BYTES = 1024 * MiB;

/**
 * What partners read when the portal has no room for their file: whose problem it is (ours), that
 * nothing was kept, and what to do. The same text for a refusal before the upload and for one cut
 * off mid-way, on the browser upload and the API. Never the system's own error text.
 */
export const STORAGE_FULL_MESSAGE =
  "The portal is out of storage space for uploads right now, so this file was not accepted and nothing of it was kept. " +
  "This is not a problem with your file or your account. Please try again later; the portal's operators have been told.";

export interface StagingSpace {
  /** ok: at least the reserve is free; low: less than the reserve; unknown: the volume could not be measured. */
  status: "ok" | "low" | "unknown";
  freeBytes: number | null;
  totalBytes: number | null;
  reserveBytes: number | null;
  /** How the reserve was chosen, for the operator's page. */
  reserveRule: string;
  checkedAt: Date;
  /** Why the volume could not be measured (status "unknown"): an error code, never a path. */
  problem?: string;
}

/** The reserve in bytes: STAGING_RESERVE_MB when set, else 5% of the volume capped at 1 GiB. */
export function stagingReserveBytes(totalBytes: number, configuredMiB: number | undefined): number {
  if (configuredMiB !== undefined) return Math.round(configuredMiB * MiB);
  return Math.min(DEFAULT_RESERVE_MAX_BYTES, Math.floor(totalBytes * DEFAULT_RESERVE_SHARE));
}

function reserveRule(configuredMiB: number | undefined): string {
  return configuredMiB !== undefined ? `STAGING_RESERVE_MB=${configuredMiB}` : "default: 5% of the volume, at most 1 GiB (STAGING_RESERVE_MB unset)";
}

/**
 * Free and total space of the volume under the staging directory (as an unprivileged process sees
 * it: blocks reserved for root do not count as free). Never throws.
 */
export async function measureStagingSpace(config: Pick<Env, "STAGING_RESERVE_MB" | "DATA_DIR"> = env()): Promise<StagingSpace> {
  const checkedAt = new Date();
  const rule = reserveRule(config.STAGING_RESERVE_MB);
  try {
    // The staging directory appears with the first upload; until then its parent is on the same volume.
    const stats = await fs.promises.statfs(stagingRoot()).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return fs.promises.statfs(config.DATA_DIR);
      throw error;
    });
    const totalBytes = stats.blocks * stats.bsize;
    const freeBytes = stats.bavail * stats.bsize;
    const reserveBytes = stagingReserveBytes(totalBytes, config.STAGING_RESERVE_MB);
    return { status: freeBytes < reserveBytes ? "low" : "ok", freeBytes, totalBytes, reserveBytes, reserveRule: rule, checkedAt };
  } catch (error) {
    return { status: "unknown", freeBytes: null, totalBytes: null, reserveBytes: null, reserveRule: rule, checkedAt, problem: (error as NodeJS.ErrnoException).code ?? "STATFS_FAILED" };
  }
}

/**
 * Whether `bytes` more still leave the reserve free. An unmeasurable volume does not block uploads
 * (health reports it); writing then fails cleanly if the disk really is full.
 */
export function hasRoomFor(space: StagingSpace, bytes: number): boolean {
  if (space.status === "unknown" || space.freeBytes === null || space.reserveBytes === null) return true;
  return space.freeBytes - bytes >= space.reserveBytes;
}

export interface StagingFullFacts {
  /** refused: before a byte was stored; interrupted: the volume filled up while the body arrived. */
  phase: "refused" | "interrupted";
  /** The upload's announced size, when known. */
  declaredBytes: number | null;
  /** Bytes of the body received before it stopped. */
  receivedBytes: number;
  /** The tus upload it happened to (its files are already removed). */
  uploadId?: string;
}

/** The staging volume has no room for an upload. Its message is for logs; partners read STORAGE_FULL_MESSAGE. */
export class StagingFullError extends Error {
  constructor(
    readonly facts: StagingFullFacts,
    options?: { cause?: unknown },
  ) {
    super(facts.phase === "refused" ? "not enough space on the staging volume for this upload" : "the staging volume ran out of space during the upload", options);
    this.name = "StagingFullError";
  }
}

const NO_SPACE_CODES = new Set([
  "ENOSPC", // no space left on device
  "EDQUOT", // disk quota exceeded
  "53100", // PostgreSQL disk_full (the embedded database shares the volume by default)
]);

/** An error (or its cause) that means "no space left", in any of the forms fs, streams or the database raise it. */
export function isOutOfSpaceError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    if (current instanceof StagingFullError) return true;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === "string" && NO_SPACE_CODES.has(code)) return true;
    if (typeof message === "string" && /\bENOSPC\b|no space left on device|disk quota exceeded/i.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
