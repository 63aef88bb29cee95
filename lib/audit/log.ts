import "server-only";
import { getDb } from "@/db/client";
import type { AuditEvent } from "@/db/schema";
import type { Executor } from "@/db/executor";
import * as repo from "@/db/repositories/audit";
import { isSystemActor, requireRole, type Actor, type SystemActor } from "@/lib/auth/actor";

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
  const actor = entry.actor ?? null;
  const system = actor && "kind" in actor && isSystemActor(actor) ? actor : null;
  const user = actor && !system ? (actor as Pick<Actor, "userId" | "email" | "role">) : null;
  await repo.insertAuditEvent(executor ?? (await getDb()), {
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

/** What the log page and the export filter by; the page size is the service's to cap. */
export type AuditFilter = Omit<repo.AuditEventQuery, "limit"> & { limit?: number };

/** The log page and the CSV export: newest first unless sorted, at most 200 rows a page. Admins only. */
export async function listAuditEvents(actor: Actor, filter: AuditFilter): Promise<AuditEvent[]> {
  requireRole(actor, "admin");
  // No stored action holds a NUL (PostgreSQL text cannot), and the database would reject it as a parameter.
  if (filter.action?.includes("\0")) return [];
  return repo.listAuditEvents(await getDb(), { ...filter, limit: Math.min(filter.limit ?? 50, 200) });
}

/** How many entries match the filters. Admins only. */
export async function countAuditEvents(actor: Actor, filter: repo.AuditEventFilter): Promise<number> {
  requireRole(actor, "admin");
  if (filter.action?.includes("\0")) return 0;
  return repo.countAuditEvents(await getDb(), filter);
}

export async function listAuditActions(actor: Actor): Promise<string[]> {
  requireRole(actor, "admin");
  return repo.listDistinctAuditActions(await getDb());
}
