import "server-only";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { apiTokens, users, type ApiToken, type UserRole } from "@/db/schema";

/* Monitoring tokens: rows of api_tokens with scope "monitoring" and no organisation. */

export type MonitoringTokenRow = Pick<ApiToken, "id" | "name" | "prefix" | "createdAt" | "lastUsedAt">;

const monitoring = eq(apiTokens.scope, "monitoring");

export async function countActiveMonitoringTokens(db: Executor): Promise<number> {
  const [{ active }] = await db
    .select({ active: sql<number>`count(*)::int` })
    .from(apiTokens)
    .where(and(monitoring, isNull(apiTokens.revokedAt)));
  return active;
}

export async function insertMonitoringToken(db: Executor, values: { userId: string; name: string; prefix: string; tokenHash: string }): Promise<MonitoringTokenRow> {
  const [row] = await db
    .insert(apiTokens)
    .values({ ...values, organisationId: null, scope: "monitoring" })
    .returning({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt });
  return row;
}

/** Every unrevoked monitoring token with its owner's email, newest first. */
export async function listActiveMonitoringTokens(db: Executor): Promise<Array<MonitoringTokenRow & { ownerEmail: string }>> {
  return db
    .select({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt, ownerEmail: users.email })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(monitoring, isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt));
}

export async function revokeActiveMonitoringToken(db: Executor, tokenId: string, revokedBy: string): Promise<Pick<ApiToken, "name" | "prefix"> | undefined> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()`, revokedBy })
    .where(and(eq(apiTokens.id, tokenId), monitoring, isNull(apiTokens.revokedAt)))
    .returning({ name: apiTokens.name, prefix: apiTokens.prefix });
  return row;
}

/** The unrevoked monitoring token with this hash, with its owner's role and disabled time. */
export async function findActiveMonitoringTokenByHash(db: Executor, tokenHash: string): Promise<{ id: string; role: UserRole; disabledAt: Date | null } | undefined> {
  const [row] = await db
    .select({ id: apiTokens.id, role: users.role, disabledAt: users.disabledAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), monitoring, isNull(apiTokens.revokedAt)));
  return row;
}

export async function touchMonitoringTokenLastUsed(db: Executor, tokenId: string): Promise<void> {
  await db.update(apiTokens).set({ lastUsedAt: sql`now()` }).where(eq(apiTokens.id, tokenId));
}
