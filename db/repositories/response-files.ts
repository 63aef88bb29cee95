import "server-only";
import { and, desc, eq, gte, inArray, isNotNull, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, partnerAccounts, responseFiles, responseLinks, transfers, type ResponseFileRow, type ResponseLinkRow } from "@/db/schema";

/*
 * Payer response files (picked up from partner accounts' response locations) and their links to
 * the submissions they answer. Authorization is the services' (lib/responses); every list here is
 * scoped by the organisation the caller passes.
 */

export type NewResponseFile = Omit<ResponseFileRow, "id" | "pickedUpAt" | "settledAt" | "settleOutcome" | "settleError" | "linkedTransfers"> &
  Partial<Pick<ResponseFileRow, "settledAt" | "settleOutcome">>;

/** Undefined when the account already holds a file of this name and contents (picked up before). */
export async function insertResponseFile(db: Executor, values: NewResponseFile): Promise<ResponseFileRow | undefined> {
  const [row] = await db.insert(responseFiles).values(values).onConflictDoNothing({ target: [responseFiles.partnerAccountId, responseFiles.remoteName, responseFiles.sha256] }).returning();
  return row;
}

/**
 * The same name and contents came back with another size or time stamp (a server that touches
 * files): remember the new listing so the next poll skips it without downloading.
 */
export async function rememberListing(db: Executor, partnerAccountId: string, file: { remoteName: string; sha256: string; remoteSize: number; remoteModifiedAt: string }): Promise<void> {
  await db
    .update(responseFiles)
    .set({ remoteSize: file.remoteSize, remoteModifiedAt: file.remoteModifiedAt })
    .where(and(eq(responseFiles.partnerAccountId, partnerAccountId), eq(responseFiles.remoteName, file.remoteName), eq(responseFiles.sha256, file.sha256)));
}

/** The listings the account's poll must not fetch again, newest first. */
export async function knownRemoteFiles(db: Executor, partnerAccountId: string, limit = 5000): Promise<Array<{ name: string; size: number; modifiedAt: string }>> {
  return db
    .select({ name: responseFiles.remoteName, size: responseFiles.remoteSize, modifiedAt: responseFiles.remoteModifiedAt })
    .from(responseFiles)
    .where(eq(responseFiles.partnerAccountId, partnerAccountId))
    .orderBy(desc(responseFiles.pickedUpAt))
    .limit(limit);
}

export async function insertResponseLink(db: Executor, values: Omit<ResponseLinkRow, "createdAt">): Promise<void> {
  await db.insert(responseLinks).values(values).onConflictDoNothing();
}

export async function setLinkedCount(db: Executor, responseFileId: string, count: number): Promise<void> {
  await db.update(responseFiles).set({ linkedTransfers: count }).where(eq(responseFiles.id, responseFileId));
}

export async function verdictsOfTransfer(db: Executor, transferId: string): Promise<Array<Pick<ResponseLinkRow, "stage" | "verdict">>> {
  return db.select({ stage: responseLinks.stage, verdict: responseLinks.verdict }).from(responseLinks).where(eq(responseLinks.transferId, transferId));
}

/** Files of the account whose after-pickup action is still owed. */
export async function unsettledFiles(db: Executor, partnerAccountId: string, limit = 200): Promise<Array<Pick<ResponseFileRow, "id" | "remoteName">>> {
  return db
    .select({ id: responseFiles.id, remoteName: responseFiles.remoteName })
    .from(responseFiles)
    .where(and(eq(responseFiles.partnerAccountId, partnerAccountId), isNull(responseFiles.settledAt)))
    .orderBy(responseFiles.pickedUpAt)
    .limit(limit);
}

export async function markSettled(db: Executor, ids: string[], outcome: string, error: string | null): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(responseFiles)
    .set({ settledAt: sql`now()`, settleOutcome: outcome, settleError: error })
    .where(and(inArray(responseFiles.id, ids), isNull(responseFiles.settledAt)));
}

/** A failed after-pickup action is kept on the row (and tried again at the next poll). */
export async function noteSettleError(db: Executor, id: string, error: string): Promise<void> {
  await db.update(responseFiles).set({ settleError: error }).where(eq(responseFiles.id, id));
}

export async function findResponseFile(db: Executor, id: string): Promise<(ResponseFileRow & { destinationName: string; username: string }) | undefined> {
  const [row] = await db
    .select({ file: responseFiles, destinationName: destinations.name, username: partnerAccounts.username })
    .from(responseFiles)
    .innerJoin(destinations, eq(destinations.id, responseFiles.destinationId))
    .innerJoin(partnerAccounts, eq(partnerAccounts.id, responseFiles.partnerAccountId))
    .where(eq(responseFiles.id, id));
  return row ? { ...row.file, destinationName: row.destinationName, username: row.username } : undefined;
}

export interface ResponseFileListQuery {
  /** Undefined only for staff reading across organisations. */
  organisationId?: string;
  kind?: ResponseFileRow["kind"];
  linked?: boolean;
  verdict?: NonNullable<ResponseFileRow["verdict"]>;
  since?: Date;
  /** Keyset cursor: files picked up before this one. */
  before?: { pickedUpAt: Date; id: string };
  limit: number;
}

export async function listResponseFiles(db: Executor, query: ResponseFileListQuery) {
  const conditions: SQL[] = [];
  if (query.organisationId) conditions.push(eq(responseFiles.organisationId, query.organisationId));
  if (query.kind) conditions.push(eq(responseFiles.kind, query.kind));
  if (query.verdict) conditions.push(eq(responseFiles.verdict, query.verdict));
  if (query.linked === true) conditions.push(sql`${responseFiles.linkedTransfers} > 0`);
  if (query.linked === false) conditions.push(eq(responseFiles.linkedTransfers, 0));
  if (query.since) conditions.push(gte(responseFiles.pickedUpAt, query.since));
  if (query.before) {
    conditions.push(or(lt(responseFiles.pickedUpAt, query.before.pickedUpAt), and(eq(responseFiles.pickedUpAt, query.before.pickedUpAt), lt(responseFiles.id, query.before.id)))!);
  }
  return db
    .select({
      id: responseFiles.id,
      organisationId: responseFiles.organisationId,
      partnerAccountId: responseFiles.partnerAccountId,
      destinationName: destinations.name,
      remoteName: responseFiles.remoteName,
      sizeBytes: responseFiles.remoteSize,
      sha256: responseFiles.sha256,
      kind: responseFiles.kind,
      verdict: responseFiles.verdict,
      unreadableReason: responseFiles.unreadableReason,
      linkedTransfers: responseFiles.linkedTransfers,
      pickedUpAt: responseFiles.pickedUpAt,
      available: sql<boolean>`${responseFiles.stagingKey} is not null`,
    })
    .from(responseFiles)
    .innerJoin(destinations, eq(destinations.id, responseFiles.destinationId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(responseFiles.pickedUpAt), desc(responseFiles.id))
    .limit(query.limit);
}

/** The responses linked to a transfer, oldest first: its timeline after "delivered". */
export async function linksOfTransfer(db: Executor, transferId: string) {
  return db
    .select({
      responseFileId: responseLinks.responseFileId,
      stage: responseLinks.stage,
      verdict: responseLinks.verdict,
      headline: responseLinks.headline,
      detail: responseLinks.detail,
      linkedAt: responseLinks.createdAt,
      remoteName: responseFiles.remoteName,
      kind: responseFiles.kind,
      pickedUpAt: responseFiles.pickedUpAt,
      summary: responseFiles.summary,
      available: sql<boolean>`${responseFiles.stagingKey} is not null`,
    })
    .from(responseLinks)
    .innerJoin(responseFiles, eq(responseFiles.id, responseLinks.responseFileId))
    .where(eq(responseLinks.transferId, transferId))
    .orderBy(responseFiles.pickedUpAt, responseLinks.createdAt);
}

/** The submissions a response file answers. */
export async function linksOfResponseFile(db: Executor, responseFileId: string) {
  return db
    .select({ transferId: responseLinks.transferId, stage: responseLinks.stage, verdict: responseLinks.verdict, headline: responseLinks.headline, originalName: transfers.originalName, organisationId: transfers.organisationId })
    .from(responseLinks)
    .innerJoin(transfers, eq(transfers.id, responseLinks.transferId))
    .where(eq(responseLinks.responseFileId, responseFileId))
    .orderBy(transfers.createdAt);
}

/** Response files whose bytes retention no longer allows (older than `before`). */
export async function findExpiredResponseFiles(db: Executor, before: Date, limit: number): Promise<Array<Pick<ResponseFileRow, "id" | "organisationId" | "remoteName" | "stagingKey">>> {
  return db
    .select({ id: responseFiles.id, organisationId: responseFiles.organisationId, remoteName: responseFiles.remoteName, stagingKey: responseFiles.stagingKey })
    .from(responseFiles)
    .where(and(isNotNull(responseFiles.stagingKey), lt(responseFiles.pickedUpAt, before)))
    .limit(limit);
}

/** Which of `stagingKeys` a payer file's row still names (the orphan sweep keeps those). */
export async function recordedResponseStagingKeys(db: Executor, stagingKeys: string[]): Promise<Set<string>> {
  if (stagingKeys.length === 0) return new Set();
  const rows = await db.select({ stagingKey: responseFiles.stagingKey }).from(responseFiles).where(inArray(responseFiles.stagingKey, stagingKeys));
  return new Set(rows.map((row) => row.stagingKey).filter((key): key is string => key !== null));
}

/** Compare-and-set: only the key that was read is cleared. */
export async function clearResponseStagingKey(db: Executor, id: string, stagingKey: string): Promise<boolean> {
  const rows = await db.update(responseFiles).set({ stagingKey: null }).where(and(eq(responseFiles.id, id), eq(responseFiles.stagingKey, stagingKey))).returning({ id: responseFiles.id });
  return rows.length > 0;
}

/** Rejections in a period, by what the payer said: the dashboards' "rejections by reason". */
export async function rejectionReasons(db: Executor, scope: { organisationId?: string; since: Date }, limit = 8): Promise<Array<{ reason: string; count: number }>> {
  const rows = await db
    .select({ detail: responseLinks.detail })
    .from(responseLinks)
    .innerJoin(transfers, eq(transfers.id, responseLinks.transferId))
    .where(
      and(
        gte(responseLinks.createdAt, scope.since),
        sql`${responseLinks.verdict} in ('rejected', 'partially_accepted')`,
        scope.organisationId ? eq(transfers.organisationId, scope.organisationId) : undefined,
      ),
    )
    .limit(5000);
  const counts = new Map<string, number>();
  for (const row of rows) {
    const reasons = Array.isArray(row.detail.reasons) ? (row.detail.reasons as string[]) : [];
    for (const reason of new Set(reasons)) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
    .slice(0, limit);
}
