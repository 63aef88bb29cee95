import "server-only";
import { and, asc, count, desc, eq, gt, gte, ilike, isNotNull, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, organisations, transferEvents, transfers, type Transfer } from "@/db/schema";
import { containsPattern } from "@/db/like-pattern";

/** Reads of the transfer history: the paged list (page, CSV export, API) and the dashboard figures. */

export type TransferSort = "newest" | "oldest" | "name" | "name_desc" | "size" | "size_asc";

export interface TransferListQuery {
  /** Only this organisation's transfers (a partner's scope, or a staff filter). */
  organisationId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  status?: Transfer["status"];
  /** The payer's answer so far ("awaiting", "rejected" …). */
  responseStatus?: NonNullable<Transfer["responseStatus"]>;
  destinationId?: string;
  /** Lower-case hex: the full SHA-256 (64 digits) or a prefix of it. */
  sha256?: string;
  /** Matched anywhere in the original file name, taken literally. */
  nameContains?: string;
  sort: TransferSort;
  /** Keyset paging: rows after this one in the sort order (`value` is the sort column's value). */
  after?: { value: Date | string | number; id: string };
  /**
   * Keyset paging backwards: the rows just before this one in the sort order, returned in reverse
   * (nearest first); the caller turns them round. Ignored when `after` is given.
   */
  before?: { value: Date | string | number; id: string };
  limit: number;
}

export type TransferListFilter = Omit<TransferListQuery, "sort" | "after" | "before" | "limit">;

/**
 * The upload time at the cursor's precision. Cursors carry JavaScript dates (milliseconds) while
 * PostgreSQL keeps microseconds: compared untruncated, a row's own cursor would sort after the row,
 * and the page before it would show the row again.
 */
const createdAtMs = sql<Date>`date_trunc('milliseconds', ${transfers.createdAt})`;

const sortColumns = {
  newest: { column: createdAtMs, direction: "desc" },
  oldest: { column: createdAtMs, direction: "asc" },
  name: { column: transfers.originalName, direction: "asc" },
  name_desc: { column: transfers.originalName, direction: "desc" },
  size: { column: transfers.sizeBytes, direction: "desc" },
  size_asc: { column: transfers.sizeBytes, direction: "asc" },
} as const satisfies Record<TransferSort, { column: unknown; direction: "asc" | "desc" }>;

function filterConditions(query: TransferListFilter): SQL[] {
  const conditions: SQL[] = [];
  if (query.organisationId) conditions.push(eq(transfers.organisationId, query.organisationId));
  if (query.createdFrom) conditions.push(gte(transfers.createdAt, query.createdFrom));
  if (query.createdTo) conditions.push(lte(transfers.createdAt, query.createdTo));
  if (query.status) conditions.push(eq(transfers.status, query.status));
  if (query.responseStatus) conditions.push(eq(transfers.responseStatus, query.responseStatus));
  if (query.destinationId) conditions.push(eq(transfers.destinationId, query.destinationId));
  if (query.sha256) {
    const digest = query.sha256;
    // A prefix is a range on the indexed column: [prefix, prefix + "g"), since every digest character is below "g".
    conditions.push(digest.length === 64 ? eq(transfers.sha256, digest) : and(gte(transfers.sha256, digest), lt(transfers.sha256, `${digest}g`))!);
  }
  if (query.nameContains) conditions.push(ilike(transfers.originalName, containsPattern(query.nameContains)));
  return conditions;
}

/** How many transfers match the filters (the page's "51–100 of 230"). */
export async function countTransferRows(db: Executor, query: TransferListFilter): Promise<number> {
  const conditions = filterConditions(query);
  const [row] = await db.select({ n: count() }).from(transfers).where(conditions.length ? and(...conditions) : undefined);
  return Number(row?.n ?? 0);
}

export async function listTransferRows(db: Executor, query: TransferListQuery) {
  const conditions = filterConditions(query);
  const sort = sortColumns[query.sort];
  // One type for the keyset comparisons: a column, or the truncated upload time.
  const column = sort.column as SQL;
  const sortDirection = sort.direction;
  // Backwards: the same keyset comparison and order, turned round.
  const backwards = !query.after && Boolean(query.before);
  const direction = backwards ? (sortDirection === "desc" ? "asc" : "desc") : sortDirection;
  const from = query.after ?? query.before;
  if (from) {
    const after = direction === "desc" ? lt : gt;
    // Bound as a timestamp: against an expression, drizzle has no column type to map a Date with.
    const value = (from.value instanceof Date ? from.value.toISOString() : from.value) as never;
    conditions.push(or(after(column, value), and(eq(column, value), after(transfers.id, from.id)))!);
  }
  const order = direction === "desc" ? [desc(column), desc(transfers.id)] : [asc(column), asc(transfers.id)];
  return db
    .select({
      id: transfers.id,
      originalName: transfers.originalName,
      status: transfers.status,
      mode: transfers.mode,
      kind: transfers.kind,
      sizeBytes: transfers.sizeBytes,
      sha256: transfers.sha256,
      createdAt: transfers.createdAt,
      updatedAt: transfers.updatedAt,
      deliveredAt: transfers.deliveredAt,
      attemptCount: transfers.attemptCount,
      lastErrorCode: transfers.lastErrorCode,
      awaitingConfirmation: transfers.awaitingConfirmation,
      responseStatus: transfers.responseStatus,
      destinationId: transfers.destinationId,
      destinationName: destinations.name,
      organisationId: transfers.organisationId,
      organisationName: organisations.name,
      requeueReason: sql<string | null>`(select e.reason from ${transferEvents} e where e.transfer_id = ${transfers.id} and e.kind = 'requeued' order by e.at desc limit 1)`,
    })
    .from(transfers)
    .innerJoin(destinations, eq(destinations.id, transfers.destinationId))
    .innerJoin(organisations, eq(organisations.id, transfers.organisationId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(...order)
    .limit(query.limit);
}

export interface TransferStatsScope {
  since: Date;
  organisationId?: string;
}

function statsConditions(scope: TransferStatsScope): SQL[] {
  const conditions: SQL[] = [gte(transfers.createdAt, scope.since)];
  if (scope.organisationId) conditions.push(eq(transfers.organisationId, scope.organisationId));
  return conditions;
}

/** Per UTC day (YYYY-MM-DD) with transfers: delivered, failed or needing attention, anything else, and bytes delivered. */
export async function countTransfersPerDay(db: Executor, scope: TransferStatsScope) {
  const day = sql<string>`to_char(date_trunc('day', ${transfers.createdAt} at time zone 'UTC'), 'YYYY-MM-DD')`;
  return db
    .select({
      day,
      delivered: sql<number>`count(*) filter (where ${transfers.status} = 'delivered')::int`,
      failed: sql<number>`count(*) filter (where ${transfers.status} in ('failed', 'needs_attention'))::int`,
      other: sql<number>`count(*) filter (where ${transfers.status} not in ('delivered', 'failed', 'needs_attention'))::int`,
      bytes: sql<number>`coalesce(sum(${transfers.sizeBytes}) filter (where ${transfers.status} = 'delivered'), 0)::float8`,
    })
    .from(transfers)
    .where(and(...statsConditions(scope)))
    .groupBy(day)
    .orderBy(day);
}

/** The most frequent last error codes of stopped transfers, most frequent first. */
export async function topFailureCodes(db: Executor, scope: TransferStatsScope, limit: number) {
  return db
    .select({ code: transfers.lastErrorCode, count: sql<number>`count(*)::int` })
    .from(transfers)
    .where(and(...statsConditions(scope), isNotNull(transfers.lastErrorCode), sql`${transfers.status} in ('failed', 'needs_attention')`))
    .groupBy(transfers.lastErrorCode)
    .orderBy(desc(sql`count(*)`))
    .limit(limit);
}
