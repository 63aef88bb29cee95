import "server-only";
import { and, asc, count, desc, eq, gte, ilike, lt, lte, or, type SQL } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { auditEvents, type AuditEvent } from "@/db/schema";
import { containsPattern } from "@/db/like-pattern";

export type NewAuditEvent = typeof auditEvents.$inferInsert;

export async function insertAuditEvent(db: Executor, values: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values(values);
}

/** The columns the log can be sorted by: a fixed map to column objects, never a name from the request. */
export const auditSortColumns = {
  at: auditEvents.id,
  actor: auditEvents.actorEmail,
  role: auditEvents.actorRole,
  action: auditEvents.action,
  target: auditEvents.target,
  result: auditEvents.result,
} as const;
export type AuditSort = keyof typeof auditSortColumns;

export interface AuditEventFilter {
  from?: Date;
  to?: Date;
  action?: string;
  organisationId?: string;
  /** Matched anywhere in the actor's email or the target, taken literally. */
  search?: string;
}

export interface AuditEventQuery extends AuditEventFilter {
  /** Keyset paging (the CSV export): only rows older than this id; newest first. */
  beforeId?: number;
  /** The page's order (default: time, newest first); ties fall back to the newest first. */
  sort?: AuditSort;
  direction?: "asc" | "desc";
  /** Offset paging (the log page). */
  offset?: number;
  limit: number;
}

function filterConditions(query: AuditEventFilter): SQL[] {
  const conditions: SQL[] = [];
  if (query.from) conditions.push(gte(auditEvents.at, query.from));
  if (query.to) conditions.push(lte(auditEvents.at, query.to));
  if (query.action) conditions.push(eq(auditEvents.action, query.action));
  if (query.organisationId) conditions.push(eq(auditEvents.organisationId, query.organisationId));
  if (query.search) {
    const pattern = containsPattern(query.search);
    conditions.push(or(ilike(auditEvents.actorEmail, pattern), ilike(auditEvents.target, pattern))!);
  }
  return conditions;
}

/** Newest first unless sorted otherwise. */
export async function listAuditEvents(db: Executor, query: AuditEventQuery): Promise<AuditEvent[]> {
  const conditions = filterConditions(query);
  if (query.beforeId) conditions.push(lt(auditEvents.id, query.beforeId));
  const column = auditSortColumns[query.sort ?? "at"];
  const order = query.direction === "asc" ? asc(column) : desc(column);
  return db
    .select()
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(...(column === auditEvents.id ? [order] : [order, desc(auditEvents.id)]))
    .limit(query.limit)
    .offset(query.offset ?? 0);
}

/** How many entries match the filters (for "51–100 of 230"). */
export async function countAuditEvents(db: Executor, query: AuditEventFilter): Promise<number> {
  const conditions = filterConditions(query);
  const [row] = await db.select({ n: count() }).from(auditEvents).where(conditions.length ? and(...conditions) : undefined);
  return Number(row?.n ?? 0);
}

export async function listDistinctAuditActions(db: Executor): Promise<string[]> {
  const rows = await db.selectDistinct({ action: auditEvents.action }).from(auditEvents).orderBy(auditEvents.action);
  return rows.map((r) => r.action);
}
