import "server-only";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { rateLimits } from "@/db/schema";

export interface LimitPolicy {
  max: number;
  windowMs: number;
  /** How long the key stays blocked once `max` is reached; defaults to the rest of the window. */
  blockMs?: number;
}

export interface LimitState {
  count: number;
  blockedUntil: Date | null;
}

/** When the key is currently blocked, the time the block ends; otherwise null. */
export async function blockedUntil(key: string): Promise<Date | null> {
  const db = await getDb();
  const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, key));
  if (!row?.blockedUntil || row.blockedUntil.getTime() <= Date.now()) return null;
  return row.blockedUntil;
}

/**
 * Count one event against the key in a single atomic statement, so concurrent requests (and several
 * portal instances) cannot race past the limit. Returns the state after counting.
 */
export async function countEvent(key: string, policy: LimitPolicy): Promise<LimitState> {
  const db = await getDb();
  const windowSeconds = Math.ceil(policy.windowMs / 1000);
  const blockSeconds = Math.ceil((policy.blockMs ?? policy.windowMs) / 1000);
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
          WHEN ${fresh} THEN CASE WHEN 1 >= ${policy.max} THEN now() + make_interval(secs => ${blockSeconds}) ELSE NULL END
          WHEN ${rateLimits.count} + 1 >= ${policy.max} THEN COALESCE(${rateLimits.blockedUntil}, now() + make_interval(secs => ${blockSeconds}))
          ELSE ${rateLimits.blockedUntil} END`,
      },
    })
    .returning({ count: rateLimits.count, blockedUntil: rateLimits.blockedUntil });
  return { count: row.count, blockedUntil: row.blockedUntil };
}

export async function clearKey(key: string): Promise<void> {
  const db = await getDb();
  await db.delete(rateLimits).where(eq(rateLimits.key, key));
}
