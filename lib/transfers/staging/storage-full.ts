import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { STORAGE_REFUSED_ACTION } from "@/lib/transfers/staging/space-records";
import { logger } from "@/lib/logger";
import { checkStagingSpaceSoon } from "@/lib/notifications/staging-alerts";
import { hasRoomFor, measureStagingSpace, type StagingSpace } from "@/lib/transfers/staging/space";

export interface StorageFullReport {
  channel: "browser" | "api";
  /** refused: before a byte was stored; interrupted: stopped mid-upload (its bytes already removed). */
  phase: "refused" | "interrupted";
  declaredBytes: number | null;
  receivedBytes: number;
  uploadId?: string;
  transferIds?: string[];
  /** The measurement the refusal was decided on; measured afresh when absent. */
  space?: StagingSpace;
}

/**
 * What happens once per upload that had no room: one log line with the sizes, an audit record (it
 * also keeps the admins' alert open, see staging-alerts.ts) and an immediate alert check. Never
 * throws: the partner's answer must not depend on it. `actor` is the uploading partner (null only
 * when the session ended before the refusal could be recorded).
 */
export async function reportStorageFull(actor: Actor | null, report: StorageFullReport): Promise<void> {
  const space = report.space ?? (await measureStagingSpace());
  const sizes = {
    channel: report.channel,
    declaredBytes: report.declaredBytes,
    receivedBytes: report.receivedBytes,
    freeBytes: space.freeBytes,
    totalBytes: space.totalBytes,
    reserveBytes: space.reserveBytes,
  };
  const fields = { ...sizes, uploadId: report.uploadId, transferIds: report.transferIds, organisationId: actor?.organisationId ?? null };
  if (report.phase === "refused") logger.warn("upload refused: not enough space on the staging volume", fields);
  else logger.error("upload stopped: the staging volume ran out of space; its partial bytes were removed", fields);
  try {
    await recordAudit({
      actor,
      organisationId: actor?.organisationId ?? null,
      action: STORAGE_REFUSED_ACTION,
      target: report.transferIds?.[0] ?? report.uploadId ?? null,
      result: "failure",
      ip: actor?.ip ?? null,
      detail: { phase: report.phase, ...sizes },
    });
  } catch (error) {
    // The database may share the full volume; the log line above is the record then.
    logger.warn("the refused upload could not be recorded in the audit log", { error });
  }
  checkStagingSpaceSoon();
}

/**
 * Measures the staging volume for an upload of `declaredBytes` (unknown: 0, the reserve alone) and
 * reports a refusal. Returns false when there is no room: the caller answers 507 before reading a byte.
 */
export async function admitUpload(actor: Actor, input: { channel: "browser" | "api"; declaredBytes: number | null }): Promise<boolean> {
  const space = await measureStagingSpace();
  if (hasRoomFor(space, input.declaredBytes ?? 0)) return true;
  await reportStorageFull(actor, { ...input, phase: "refused", receivedBytes: 0, space });
  return false;
}
