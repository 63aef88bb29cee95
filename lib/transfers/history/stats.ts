import "server-only";
import { getDb } from "@/db/client";
import { countTransfersPerDay, topFailureCodes } from "@/db/repositories/transfer-history";
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
  let organisationId: string | undefined;
  if (actor.role === "partner") organisationId = actor.organisationId ?? "00000000-0000-0000-0000-000000000000";
  else requireRole(actor, "admin", "support");
  const db = await getDb();
  const scope = { since, organisationId };
  const perDay = await countTransfersPerDay(db, scope);
  const failures = await topFailureCodes(db, scope, 5);
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
