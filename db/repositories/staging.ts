import "server-only";
import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt, ne, or, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { auditEvents, mailMessages, transfers, users } from "@/db/schema";

/*
 * The rows behind the staging store: which transfer rows point at staged bytes, the rows of uploads
 * that ran out of space, retention's bookkeeping, and what the staging alerts read.
 */

/** An upload's bytes: a browser upload by its id, or staged bytes by key inside an organisation. */
export type StagedUpload = { organisationId: string; uploadId: string } | { organisationId: string; stagingKey: string };

function matchUpload(where: StagedUpload) {
  return and(eq(transfers.organisationId, where.organisationId), "uploadId" in where ? eq(transfers.uploadId, where.uploadId) : eq(transfers.stagingKey, where.stagingKey));
}

/**
 * Ends the row of an upload that could not be stored, in one conditional statement: only a row
 * still "uploading" or "received" (not yet queued) moves, to "failed" with `error`. Returns the ids moved.
 */
export async function failUnfinishedUploads(db: Executor, where: StagedUpload, error: { code: string; message: string }): Promise<string[]> {
  const rows = await db
    .update(transfers)
    .set({ status: "failed", stagingKey: null, lastErrorCode: error.code, lastErrorMessage: error.message, updatedAt: sql`now()` })
    .where(and(matchUpload(where), inArray(transfers.status, ["uploading", "received"])))
    .returning({ id: transfers.id });
  return rows.map((row) => row.id);
}

/** Whether a transfer row still points at these staged bytes. */
export async function stagedBytesReferenced(db: Executor, where: StagedUpload): Promise<boolean> {
  const [row] = await db
    .select({ id: transfers.id })
    .from(transfers)
    .where(and(matchUpload(where), isNotNull(transfers.stagingKey)))
    .limit(1);
  return Boolean(row);
}

export interface ExpiredStagedFile {
  id: string;
  organisationId: string;
  originalName: string;
  sizeBytes: number;
  stagingKey: string;
  reason: "age" | "delivered";
}

/**
 * Rows whose staged bytes retention no longer allows, oldest first: uploaded more than
 * `retentionDays` before `now`, or delivered more than `deliveredGraceHours` before it. A row being
 * sent is left for a later run, and an upload still in progress to the unfinished-upload expiry.
 */
export async function findExpiredStagedFiles(
  db: Executor,
  policy: { now: Date; retentionDays: number; deliveredGraceHours: number; limit: number },
): Promise<ExpiredStagedFile[]> {
  const tooOld = sql`${transfers.createdAt} < ${policy.now.toISOString()}::timestamptz - ${policy.retentionDays}::float8 * interval '1 day'`;
  const deliveredLongAgo = and(
    isNotNull(transfers.deliveredAt),
    sql`${transfers.deliveredAt} < ${policy.now.toISOString()}::timestamptz - ${policy.deliveredGraceHours}::float8 * interval '1 hour'`,
  );
  const rows = await db
    .select({
      id: transfers.id,
      organisationId: transfers.organisationId,
      originalName: transfers.originalName,
      sizeBytes: transfers.sizeBytes,
      stagingKey: transfers.stagingKey,
      reason: sql<"age" | "delivered">`CASE WHEN ${tooOld} THEN 'age' ELSE 'delivered' END`,
    })
    .from(transfers)
    // An upload still in progress is the unfinished-upload expiry's (findExpiredUnfinishedUploads): it ends its row too.
    .where(and(isNotNull(transfers.stagingKey), ne(transfers.status, "sending"), ne(transfers.status, "uploading"), or(tooOld, deliveredLongAgo)))
    .orderBy(asc(transfers.createdAt))
    .limit(policy.limit);
  return rows.map((row) => ({ ...row, sizeBytes: Number(row.sizeBytes), stagingKey: row.stagingKey! }));
}

/**
 * Compare-and-set: the row stops pointing at `stagingKey`, unless it changed meanwhile or is being
 * sent. From then on no attempt can start with these bytes. Returns whether it did.
 */
export async function clearStagingKey(db: Executor, id: string, stagingKey: string): Promise<boolean> {
  const rows = await db
    .update(transfers)
    .set({ stagingKey: null })
    .where(and(eq(transfers.id, id), eq(transfers.stagingKey, stagingKey), ne(transfers.status, "sending")))
    .returning({ id: transfers.id });
  return rows.length > 0;
}

/** When the latest audit entry with `action` was recorded at or after `since`, or null. */
export async function latestAuditAtSince(db: Executor, action: string, since: Date): Promise<Date | null> {
  const [row] = await db
    .select({ at: auditEvents.at })
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), gte(auditEvents.at, since)))
    .orderBy(desc(auditEvents.at))
    .limit(1);
  return row?.at ?? null;
}

/** The newest mail of one of these kinds: its kind and dedupe key. */
export async function latestMailOfKinds(db: Executor, kinds: string[]): Promise<{ kind: string; dedupeKey: string | null } | undefined> {
  const [row] = await db
    .select({ kind: mailMessages.kind, dedupeKey: mailMessages.dedupeKey })
    .from(mailMessages)
    .where(inArray(mailMessages.kind, kinds))
    .orderBy(desc(mailMessages.createdAt))
    .limit(1);
  return row;
}

/** Every enabled administrator's address, oldest account first (duplicates included). */
export async function listEnabledAdminEmails(db: Executor): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.role, "admin"), isNull(users.disabledAt)))
    .orderBy(asc(users.createdAt));
  return rows.map((row) => row.email);
}

/* ---- the per-organisation staging quota ---- */

export interface StagingUsage {
  /** Bytes of the organisation's transfers whose staged file is still kept, announced lengths of unfinished uploads included. */
  stagedBytes: number;
  /** Browser uploads started and not finished (rows still "uploading"). */
  unfinishedUploads: number;
}

/**
 * What an organisation holds in staging. An unfinished upload's row carries its announced length
 * and its `tus/<id>` key from the start, so it counts in full before its bytes arrive.
 */
export async function stagingUsageOf(db: Executor, organisationId: string): Promise<StagingUsage> {
  const [row] = await db
    .select({
      stagedBytes: sql<string>`coalesce(sum(${transfers.sizeBytes}) filter (where ${transfers.stagingKey} is not null), 0)::bigint`,
      unfinishedUploads: sql<number>`(count(*) filter (where ${transfers.status} = 'uploading'))::int`,
    })
    .from(transfers)
    .where(and(eq(transfers.organisationId, organisationId), or(isNotNull(transfers.stagingKey), eq(transfers.status, "uploading"))));
  return { stagedBytes: Number(row?.stagedBytes ?? 0), unfinishedUploads: Number(row?.unfinishedUploads ?? 0) };
}

export interface ExpiredUnfinishedUpload {
  id: string;
  organisationId: string;
  originalName: string;
  sizeBytes: number;
  uploadId: string | null;
  stagingKey: string | null;
  createdAt: Date;
}

/** Browser uploads still "uploading" that started before `startedBefore`, oldest first. */
export async function findExpiredUnfinishedUploads(db: Executor, options: { startedBefore: Date; limit: number }): Promise<ExpiredUnfinishedUpload[]> {
  const rows = await db
    .select({
      id: transfers.id,
      organisationId: transfers.organisationId,
      originalName: transfers.originalName,
      sizeBytes: transfers.sizeBytes,
      uploadId: transfers.uploadId,
      stagingKey: transfers.stagingKey,
      createdAt: transfers.createdAt,
    })
    .from(transfers)
    .where(and(eq(transfers.status, "uploading"), lt(transfers.createdAt, options.startedBefore)))
    .orderBy(asc(transfers.createdAt))
    .limit(options.limit);
  return rows.map((row) => ({ ...row, sizeBytes: Number(row.sizeBytes) }));
}

/**
 * Compare-and-set: an upload still "uploading" ends "failed" with `error` and no longer points at
 * its bytes. Returns whether it did (an upload that finished or was cancelled meanwhile is left alone).
 */
export async function expireUnfinishedUpload(db: Executor, id: string, error: { code: string; message: string }): Promise<boolean> {
  const rows = await db
    .update(transfers)
    .set({ status: "failed", stagingKey: null, lastErrorCode: error.code, lastErrorMessage: error.message, updatedAt: sql`now()` })
    .where(and(eq(transfers.id, id), eq(transfers.status, "uploading")))
    .returning({ id: transfers.id });
  return rows.length > 0;
}
