import "server-only";
import { getDb } from "@/db/client";
import { countTransfersPerDay, topFailureCodes } from "@/db/repositories/transfer-history";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { guideForCode, guideForStopCode } from "@/lib/guides";
import { isTransferErrorCode, isTransferStopCode } from "@/lib/transfers/errors";

export interface TransferStatsResult {
  days: Array<{ day: string; delivered: number; failed: number; other: number }>;
  delivered: number;
  finished: number;
  /** Every transfer received in the period, whatever its state (0: the chart's empty state). */
  total: number;
  bytesDelivered: number;
  /** Each cause with the guide that explains it (the failure guide of its code), when there is one. */
  topFailures: Array<{ code: string; count: number; guide?: { slug: string; title: string } }>;
}

/** The guide for a failure cause: a delivery code's failure guide, or the article a portal stop points to. */
function guideFor(code: string): { slug: string; title: string } | undefined {
  const guide = isTransferErrorCode(code) ? guideForCode(code) : isTransferStopCode(code) ? guideForStopCode(code) : undefined;
  return guide ? { slug: guide.slug, title: guide.title } : undefined;
}

/**
 * Dashboard figures over the last `days` days, scoped like every other transfer read: a partner's
 * own organisation; staff everyone's, or one organisation's (`organisationId`).
 */
export async function transferStats(actor: Actor, days = 14, options: { organisationId?: string } = {}): Promise<TransferStatsResult> {
  const since = new Date(Date.now() - days * 86_400_000);
  let organisationId: string | undefined;
  if (actor.role === "partner") organisationId = actor.organisationId ?? "00000000-0000-0000-0000-000000000000";
  else {
    requireRole(actor, "admin", "support");
    organisationId = options.organisationId;
  }
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
  const other = perDay.reduce((n, r) => n + r.other, 0);
  return {
    days: series,
    delivered,
    finished: delivered + failed,
    total: delivered + failed + other,
    bytesDelivered: perDay.reduce((n, r) => n + Number(r.bytes), 0),
    topFailures: failures.map((f) => {
      const code = f.code ?? "UNKNOWN";
      const guide = guideFor(code);
      return { code, count: f.count, ...(guide ? { guide } : {}) };
    }),
  };
}
