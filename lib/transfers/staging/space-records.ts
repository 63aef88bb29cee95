import "server-only";
import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, mailMessages, transfers, users } from "@/db/schema";

/*
 * The bookkeeping of "the staging volume is full": transfer rows of uploads that ran out of space,
 * the refusals, and what the admins were told. System-level (uploads fail for their partner, the
 * alert check runs as a job): no actor here.
 */

/** What a transfer row says when its upload ran out of space. */
export const STORAGE_FULL_CODE = "STORAGE_FULL";

/** Audit action of every upload refused or stopped for lack of space. */
export const STORAGE_REFUSED_ACTION = "transfer.refused_storage_full";

/** Mail kinds of the admins' alert: an episode starts with "low" and ends with "ok". */
export const STAGING_LOW_MAIL = "staging.space_low";
export const STAGING_OK_MAIL = "staging.space_ok";

/**
 * Ends the transfer row of an upload that ran out of space, in one conditional statement: only a
 * row still "uploading" (browser upload) or "received" (accepted but not yet queued) moves, to
 * "failed" with the partner's message; one that got further is left as it is. Returns the ids moved.
 */
export async function failUploadForStorage(where: { uploadId: string } | { organisationId: string; stagingKey: string }, message: string): Promise<string[]> {
  const db = await getDb();
  const match =
    "uploadId" in where ? eq(transfers.uploadId, where.uploadId) : and(eq(transfers.organisationId, where.organisationId), eq(transfers.stagingKey, where.stagingKey));
  const rows = await db
    .update(transfers)
    .set({ status: "failed", stagingKey: null, lastErrorCode: STORAGE_FULL_CODE, lastErrorMessage: message, updatedAt: sql`now()` })
    .where(and(match, inArray(transfers.status, ["uploading", "received"])))
    .returning({ id: transfers.id });
  return rows.map((row) => row.id);
}

/** Whether a transfer row (one that got further, e.g. queued) still points at these staged bytes: then they must stay. */
export async function stagedBytesInUse(where: { uploadId: string } | { organisationId: string; stagingKey: string }): Promise<boolean> {
  const db = await getDb();
  const match =
    "uploadId" in where
      ? and(eq(transfers.uploadId, where.uploadId), isNotNull(transfers.stagingKey))
      : and(eq(transfers.organisationId, where.organisationId), eq(transfers.stagingKey, where.stagingKey));
  const [row] = await db.select({ id: transfers.id }).from(transfers).where(match).limit(1);
  return Boolean(row);
}

/** The latest refusal for lack of space at or after `since`, or null. */
export async function lastStorageRefusalSince(since: Date): Promise<Date | null> {
  const db = await getDb();
  const [row] = await db
    .select({ at: auditEvents.at })
    .from(auditEvents)
    .where(and(eq(auditEvents.action, STORAGE_REFUSED_ACTION), gte(auditEvents.at, since)))
    .orderBy(desc(auditEvents.at))
    .limit(1);
  return row?.at ?? null;
}

export interface StagingAlertState {
  /** The episode the next "low" email belongs to: the open one, or the one after the last "ok". */
  episode: number;
  /** A "low" email of this episode went out and no "ok" has closed it yet. */
  open: boolean;
}

/**
 * Where the alert stands, read from the mail log itself: the admins' last staging email says whether
 * an episode is open. Its dedupe key (`staging-space:<episode>:<low|ok>:…`) numbers the episodes, so
 * two processes checking at the same moment compute the same keys and send each email once.
 */
export async function stagingAlertState(): Promise<StagingAlertState> {
  const db = await getDb();
  const [last] = await db
    .select({ kind: mailMessages.kind, dedupeKey: mailMessages.dedupeKey })
    .from(mailMessages)
    .where(inArray(mailMessages.kind, [STAGING_LOW_MAIL, STAGING_OK_MAIL]))
    .orderBy(desc(mailMessages.createdAt))
    .limit(1);
  const episode = Number(/^staging-space:(\d+):/.exec(last?.dedupeKey ?? "")?.[1] ?? 0);
  if (!last || !episode) return { episode: 1, open: false };
  return last.kind === STAGING_LOW_MAIL ? { episode, open: true } : { episode: episode + 1, open: false };
}

/** Every enabled administrator's address, each once. */
export async function adminAlertAddresses(): Promise<string[]> {
  const db = await getDb();
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.role, "admin"), isNull(users.disabledAt)))
    .orderBy(asc(users.createdAt));
  const seen = new Set<string>();
  return rows
    .map((row) => row.email.trim())
    .filter((address) => {
      const key = address.toLowerCase();
      if (!address || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
