import "server-only";
import { and, asc, count, desc, eq, gt, gte, ilike, isNotNull, like, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, organisations, transferEvents, transfers, type Transfer } from "@/db/schema";
import { containsPattern, isCaseless } from "@/db/like-pattern";
import { withoutSeqscan } from "@/db/without-seqscan";

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
  /**
   * Keyset paging: rows after this one in the sort order (`value` is the sort column's value; an
   * upload time as an ISO string, which may carry microseconds, or a Date).
   */
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
 * The upload time exactly as stored (UTC, microseconds), for cursors: a JavaScript Date keeps only
 * milliseconds, so a cursor made from one would sort after its own row and the page before it would
 * show that row again. Keyset comparisons stay on the bare column, which the created_at indexes
 * serve; a truncated expression cannot be indexed (date_trunc on timestamptz is not immutable) and
 * made every page sort all of the organisation's transfers.
 */
const createdAtExact = sql<string>`to_char(${transfers.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const sortColumns = {
  newest: { column: transfers.createdAt, direction: "desc" },
  oldest: { column: transfers.createdAt, direction: "asc" },
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
  if (query.nameContains) conditions.push(nameContains(transfers.originalName, query.nameContains));
  return conditions;
}

/** `name` contains `search`, taken literally: LIKE when case folding cannot change the answer (db/like-pattern.ts), else ILIKE. */
function nameContains(name: typeof transfers.originalName | SQL, search: string): SQL {
  return (isCaseless(search) ? like : ilike)(name, containsPattern(search));
}

/** How many transfers match the filters (the page's "51–100 of 230"). */
/**
 * How many transfers match, counting at most `cap + 1`: an exact count reads every matching index
 * entry, which at a million transfers costs 100–300 ms on every page view, while the page only needs
 * to say "more than 10,000" beyond that.
 */
export async function countTransferRows(db: Executor, query: TransferListFilter, cap: number): Promise<number> {
  const conditions = filterConditions(query);
  const matching = db
    .select({ one: sql`1`.as("one") })
    .from(transfers)
    .where(conditions.length ? and(...conditions) : undefined)
    .limit(cap + 1)
    .as("matching");
  const [row] = await db.select({ n: count() }).from(matching);
  return Number(row?.n ?? 0);
}

/** The trigram index extracts nothing from fewer than three characters: such a search scans either way. */
const TRIGRAM_LENGTH = 3;

/** How many rows, in the page's order from its cursor, a file-name search reads before it looks up every match instead. */
export const SEARCH_WINDOW = 2_000;

/**
 * How a file-name search finds its page. The planner, left to choose, walks the sort column's index
 * and filters names as it goes whenever ANALYZE's 100-value histogram happens to hold a match (it
 * then guesses about 1% of names match); but file names carry their dates, so the matches sit
 * together in time and the walk reads every newer row before it reaches them (2 s at 1M transfers
 * for a month four years back, against 40 ms through the trigram index), and which plan ran changed
 * with each ANALYZE. So the choice is made here, the same every time, and both ways are bounded:
 * - "window": the next SEARCH_WINDOW rows in the page's order, filtered by name (a search most
 *   names match is served from here);
 * - "matches": when the window held less than a page, every match through the trigram index, then
 *   sorted; the matches are a subquery behind OFFSET 0 so the planner cannot turn it back into the
 *   walk. Its cost grows with the number of matches, not with their age.
 */
export type SearchPath = "window" | "matches";

export async function listTransferRows(db: Executor, query: TransferListQuery) {
  if ((query.nameContains?.length ?? 0) < TRIGRAM_LENGTH) return transferPageQuery(db, query);
  const nearest = await transferPageQuery(db, query, "window");
  if (nearest.length >= query.limit) return nearest;
  // Through the index, not a scan of the table: the planner prices ILIKE as cheap as an equality, so
  // for a search a few percent of names match (a month among 100,000) it scanned every name
  // (60–100 ms) where the index takes 17 ms.
  return withoutSeqscan(db, (executor) => transferPageQuery(executor, query, "matches"));
}

/** One page's query; a file-name search takes `path` (listTransferRows picks it; the plan test reads both). */
export function transferPageQuery(db: Executor, query: TransferListQuery, path?: SearchPath) {
  const sort = sortColumns[query.sort];
  const column = sort.column;
  const sortDirection = sort.direction;
  // Backwards: the same keyset comparison and order, turned round.
  const backwards = !query.after && Boolean(query.before);
  const direction = backwards ? (sortDirection === "desc" ? "asc" : "desc") : sortDirection;
  const keyset: SQL[] = [];
  const from = query.after ?? query.before;
  if (from) {
    const after = direction === "desc" ? lt : gt;
    // An upload time is bound as text cast to timestamptz, so a cursor's microseconds survive.
    const value = column === transfers.createdAt ? sql`${from.value instanceof Date ? from.value.toISOString() : String(from.value)}::timestamptz` : from.value;
    keyset.push(or(after(column, value), and(eq(column, value), after(transfers.id, from.id)))!);
  }
  const order = direction === "desc" ? [desc(column), desc(transfers.id)] : [asc(column), asc(transfers.id)];
  const conditions = [...filterConditions(query), ...keyset];
  let where = and(...conditions);
  if (path === "window") {
    const nearest = db
      .select({ id: transfers.id, key: column, name: transfers.originalName })
      .from(transfers)
      .where(and(...filterConditions({ ...query, nameContains: undefined }), ...keyset))
      .orderBy(...order)
      .limit(SEARCH_WINDOW);
    // Limited to the page again, so the planner expects a page of ids and looks them up by key (not a scan of the table).
    const dir = sortKeyword(direction);
    where = sql`${transfers.id} in (select nearest.id from (${nearest}) as nearest (id, key, name) where ${nameContains(sql`nearest.name`, query.nameContains ?? "")} order by nearest.key ${dir}, nearest.id ${dir} limit ${query.limit})`;
  } else if (path === "matches") {
    const matches = db.select({ id: transfers.id, key: column }).from(transfers).where(and(...conditions));
    const dir = sortKeyword(direction);
    // OFFSET 0 keeps the matches a subquery of their own, planned for all its rows (the trigram
    // index), so the planner cannot merge it into the walk; unlike a MATERIALIZED CTE it does not
    // store every match before sorting (a tenth of a month's search at 1M transfers on PGlite).
    where = sql`${transfers.id} in (select matches.id from (${matches} offset 0) as matches (id, key) order by matches.key ${dir}, matches.id ${dir} limit ${query.limit})`;
  }
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
      createdAtExact,
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
    .where(where)
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

/** ASC or DESC as a fixed SQL keyword, chosen from the two literals, never text from the caller. */
function sortKeyword(direction: "asc" | "desc"): SQL {
  return direction === "desc" ? sql`desc` : sql`asc`;
}
