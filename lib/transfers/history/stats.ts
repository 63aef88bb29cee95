import "server-only";
import { and, desc, eq, gte, isNotNull, sql, type SQL } from "drizzle-orm";
import { getDb } from "@/db/client";
import { transfers } from "@/db/schema";
import { requireRole, type Actor } from "@/lib/auth/actor";

export interface TransferStatsResult {
  days: Array<{ day: string; delivered: number; failed: number; other: number }>;
  delivered: number;
  finished: number;
  bytesDelivered: number;
  topFailures: Array<{ code: string; count: number }>;
}

/** Dashboard figures over the last `days` days, scoped like every other transfer read. */
export async function transferStats(actor: Actor, days = 14): Promise<TransferStatsResult> {
  const since = new Date(Date.now() - days * 86_400_000);
  const scope: SQL[] = [gte(transfers.createdAt, since)];
  if (actor.role === "partner") scope.push(eq(transfers.organisationId, actor.organisationId ?? "00000000-0000-0000-0000-000000000000"));
  else requireRole(actor, "admin", "support");
  const db = await getDb();
  const day = sql<string>`to_char(date_trunc('day', ${transfers.createdAt} at time zone 'UTC'), 'YYYY-MM-DD')`;
  const perDay = await db
    .select({
      day,
      delivered: sql<number>`count(*) filter (where ${transfers.status} = 'delivered')::int`,
      failed: sql<number>`count(*) filter (where ${transfers.status} in ('failed', 'needs_attention'))::int`,
      other: sql<number>`count(*) filter (where ${transfers.status} not in ('delivered', 'failed', 'needs_attention'))::int`,
      bytes: sql<number>`coalesce(sum(${transfers.sizeBytes}) filter (where ${transfers.status} = 'delivered'), 0)::float8`,
    })
    .from(transfers)
    .where(and(...scope))
    .groupBy(day)
    .orderBy(day);
  const failures = await db
    .select({ code: transfers.lastErrorCode, count: sql<number>`count(*)::int` })
    .from(transfers)
    .where(and(...scope, isNotNull(transfers.lastErrorCode), sql`${transfers.status} in ('failed', 'needs_attention')`))
    .groupBy(transfers.lastErrorCode)
    .orderBy(desc(sql`count(*)`))
    .limit(5);
  const byDay = new Map(perDay.map((r) => [r.day, r]));
  const series = Array.from({ length: days }, (_, i) => {
    const key = new Date(Date.now() - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10);
    const row = byDay.get(key);
    return { day: key, delivered: row?.delivered ?? 0, failed: row?.failed ?? 0, other: row?.other ?? 0 };
  });
  const delivered = perDay.reduce((n, r) => n + r.delivered, 0);
  const failed = perDay.reduce((n, r) => n + r.failed, 0);
  return {
    days: series,
    delivered,
    finished: delivered + failed,
    bytesDelivered: perDay.reduce((n, r) => n + Number(r.bytes), 0),
    topFailures: failures.map((f) => ({ code: f.code ?? "UNKNOWN", count: f.count })),
  };
}
