import "server-only";
import { eq, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { rateLimits } from "@/db/schema";

/** How one counter behaves: at most `max` events per `windowMs`; reaching `max` blocks it for `blockMs`. */
export interface CounterRule {
  max: number;
  windowMs: number;
  blockMs: number;
}

export interface CounterState {
  count: number;
  blockedUntil: Date | null;
}

/** The block on a counter, if it has one that has not ended yet (on the database's clock). */
export async function findActiveBlock(db: Executor, key: string): Promise<Date | null> {
  const [row] = await db
    .select({ blockedUntil: rateLimits.blockedUntil })
    .from(rateLimits)
    .where(eq(rateLimits.key, key));
  if (!row?.blockedUntil || row.blockedUntil.getTime() <= Date.now()) return null;
  return row.blockedUntil;
}

/**
 * Counts one event in a single atomic statement, so concurrent requests (and several portal
 * instances) cannot race past the limit. A counter whose window or block is over starts again at 1.
 */
export async function incrementCounter(db: Executor, key: string, rule: CounterRule): Promise<CounterState> {
  const windowSeconds = Math.ceil(rule.windowMs / 1000);
  const blockSeconds = Math.ceil(rule.blockMs / 1000);
  const fresh = sql`(${rateLimits.windowStartedAt} < now() - make_interval(secs => ${windowSeconds}) OR (${rateLimits.blockedUntil} IS NOT NULL AND ${rateLimits.blockedUntil} <= now()))`;
  const [row] = await db
    .insert(rateLimits)
    .values({ key, count: 1, windowStartedAt: sql`now()` })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`CASE WHEN ${fresh} THEN 1 ELSE ${rateLimits.count} + 1 END`,
        windowStartedAt: sql`CASE WHEN ${fresh} THEN now() ELSE ${rateLimits.windowStartedAt} END`,
        blockedUntil: sql`CASE
          WHEN ${fresh} THEN CASE WHEN 1 >= ${rule.max} THEN now() + make_interval(secs => ${blockSeconds}) ELSE NULL END
          WHEN ${rateLimits.count} + 1 >= ${rule.max} THEN COALESCE(${rateLimits.blockedUntil}, now() + make_interval(secs => ${blockSeconds}))
          ELSE ${rateLimits.blockedUntil} END`,
      },
    })
    .returning({ count: rateLimits.count, blockedUntil: rateLimits.blockedUntil });
  return { count: row.count, blockedUntil: row.blockedUntil };
}

export async function deleteCounter(db: Executor, key: string): Promise<void> {
  await db.delete(rateLimits).where(eq(rateLimits.key, key));
}
