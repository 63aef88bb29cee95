import "server-only";
import { and, desc, eq, gte, ilike, lt, lte, or, type SQL } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, type AuditEvent } from "@/db/schema";
import { isSystemActor, requireRole, type Actor, type SystemActor } from "@/lib/auth/actor";
import type { Executor } from "@/db/executor";
import { containsPattern } from "@/db/like-pattern";

export interface AuditEntry {
  actor?: Pick<Actor, "userId" | "email" | "role"> | SystemActor | null;
  actorEmail?: string | null;
  organisationId?: string | null;
  action: string;
  target?: string | null;
  result: "success" | "failure" | "denied";
  ip?: string | null;
  detail?: Record<string, unknown>;
}

/**
 * Appends one audit row. Pass the use case's transaction as `executor` so the row commits with the
 * change it describes, or not at all.
 */
export async function recordAudit(entry: AuditEntry, executor?: Executor): Promise<void> {
  const db = executor ?? (await getDb());
  const actor = entry.actor ?? null;
  const system = actor && "kind" in actor && isSystemActor(actor) ? actor : null;
  const user = actor && !system ? (actor as Pick<Actor, "userId" | "email" | "role">) : null;
  await db.insert(auditEvents).values({
    actorUserId: user?.userId ?? null,
    actorEmail: system ? `system:${system.name}` : (user?.email ?? entry.actorEmail ?? null),
    actorRole: system ? "system" : (user?.role ?? null),
    organisationId: entry.organisationId ?? null,
    action: entry.action,
    target: entry.target ?? null,
    result: entry.result,
    ip: entry.ip ?? null,
    detail: entry.detail ?? null,
  });
}

export interface AuditFilter {
  from?: Date;
  to?: Date;
  action?: string;
  organisationId?: string;
  search?: string;
  beforeId?: number;
  limit?: number;
}

export async function listAuditEvents(actor: Actor, filter: AuditFilter): Promise<AuditEvent[]> {
  requireRole(actor, "admin");
  const db = await getDb();
  const conditions: SQL[] = [];
  if (filter.from) conditions.push(gte(auditEvents.at, filter.from));
  if (filter.to) conditions.push(lte(auditEvents.at, filter.to));
  // No stored action holds a NUL (PostgreSQL text cannot), and the database would reject it as a parameter.
  if (filter.action?.includes("\0")) return [];
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
  if (filter.organisationId) conditions.push(eq(auditEvents.organisationId, filter.organisationId));
  if (filter.beforeId) conditions.push(lt(auditEvents.id, filter.beforeId));
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    conditions.push(or(ilike(auditEvents.actorEmail, pattern), ilike(auditEvents.target, pattern))!);
  }
  return db
    .select()
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(Math.min(filter.limit ?? 50, 200));
}

export async function listAuditActions(actor: Actor): Promise<string[]> {
  requireRole(actor, "admin");
  const db = await getDb();
  const rows = await db.selectDistinct({ action: auditEvents.action }).from(auditEvents).orderBy(auditEvents.action);
  return rows.map((r) => r.action);
}
