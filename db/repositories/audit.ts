import "server-only";
import { and, desc, eq, gte, ilike, lt, lte, or, type SQL } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { auditEvents, type AuditEvent } from "@/db/schema";
import { containsPattern } from "@/db/like-pattern";

export type NewAuditEvent = typeof auditEvents.$inferInsert;

export async function insertAuditEvent(db: Executor, values: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values(values);
}

export interface AuditEventQuery {
  from?: Date;
  to?: Date;
  action?: string;
  organisationId?: string;
  /** Matched anywhere in the actor's email or the target, taken literally. */
  search?: string;
  /** Keyset paging: only rows older than this id. */
  beforeId?: number;
  limit: number;
}

/** Newest first. */
export async function listAuditEvents(db: Executor, query: AuditEventQuery): Promise<AuditEvent[]> {
  const conditions: SQL[] = [];
  if (query.from) conditions.push(gte(auditEvents.at, query.from));
  if (query.to) conditions.push(lte(auditEvents.at, query.to));
  if (query.action) conditions.push(eq(auditEvents.action, query.action));
  if (query.organisationId) conditions.push(eq(auditEvents.organisationId, query.organisationId));
  if (query.beforeId) conditions.push(lt(auditEvents.id, query.beforeId));
  if (query.search) {
    const pattern = containsPattern(query.search);
    conditions.push(or(ilike(auditEvents.actorEmail, pattern), ilike(auditEvents.target, pattern))!);
  }
  return db
    .select()
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(query.limit);
}

export async function listDistinctAuditActions(db: Executor): Promise<string[]> {
  const rows = await db.selectDistinct({ action: auditEvents.action }).from(auditEvents).orderBy(auditEvents.action);
  return rows.map((r) => r.action);
}
