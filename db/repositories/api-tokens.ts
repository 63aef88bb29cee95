import "server-only";
import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { apiTokens, organisations, users, type ApiToken, type User } from "@/db/schema";

/* Partner API tokens (scope "partner_api"). Monitoring tokens share the table: monitoring-tokens.ts. */

export type ApiTokenRow = Pick<ApiToken, "id" | "name" | "prefix" | "createdAt" | "lastUsedAt">;

const summaryColumns = { id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt };

/** Unrevoked tokens of the user, of any scope. */
export async function countActiveTokensOfUser(db: Executor, userId: string): Promise<number> {
  const [{ active }] = await db
    .select({ active: sql<number>`count(*)::int` })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)));
  return active;
}

export async function insertPartnerApiToken(
  db: Executor,
  values: { userId: string; organisationId: string; name: string; prefix: string; tokenHash: string },
): Promise<ApiTokenRow> {
  const [row] = await db
    .insert(apiTokens)
    .values({ ...values, scope: "partner_api" })
    .returning(summaryColumns);
  return row;
}

/** The user's unrevoked partner API tokens, newest first. */
export async function listActivePartnerTokensOfUser(db: Executor, userId: string): Promise<ApiTokenRow[]> {
  return db
    .select(summaryColumns)
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), eq(apiTokens.scope, "partner_api"), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

/** Revokes an unrevoked token (only the owner's, when `ownerUserId` is given); undefined when there is none. */
export async function revokeActiveToken(
  db: Executor,
  tokenId: string,
  revokedBy: string,
  ownerUserId?: string,
): Promise<Pick<ApiToken, "name" | "prefix" | "organisationId"> | undefined> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()`, revokedBy })
    .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt), ownerUserId ? eq(apiTokens.userId, ownerUserId) : undefined))
    .returning({ name: apiTokens.name, prefix: apiTokens.prefix, organisationId: apiTokens.organisationId });
  return row;
}

/** Revokes every unrevoked partner API token of the user (a password change or reset); the revoked ones. */
export async function revokeActivePartnerTokensOfUser(
  db: Executor,
  userId: string,
  revokedBy: string,
): Promise<Array<Pick<ApiToken, "id" | "name" | "prefix" | "organisationId">>> {
  return db
    .update(apiTokens)
    .set({ revokedAt: sql`now()`, revokedBy })
    .where(and(eq(apiTokens.userId, userId), eq(apiTokens.scope, "partner_api"), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, organisationId: apiTokens.organisationId });
}

/** The unrevoked partner API token with this hash, with its user and its organisation's status. */
export async function findActivePartnerTokenByHash(
  db: Executor,
  tokenHash: string,
): Promise<{ token: ApiToken; user: User; organisationStatus: "pending" | "approved" | "rejected" } | undefined> {
  const [row] = await db
    .select({ token: apiTokens, user: users, organisationStatus: organisations.status })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .innerJoin(organisations, eq(organisations.id, apiTokens.organisationId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), eq(apiTokens.scope, "partner_api"), isNull(apiTokens.revokedAt)));
  return row;
}

/** Sets "last used" to now unless it was set less than `resolutionSeconds` ago. */
export async function touchTokenLastUsed(db: Executor, tokenId: string, resolutionSeconds: number): Promise<void> {
  await db
    .update(apiTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(apiTokens.id, tokenId), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - make_interval(secs => ${resolutionSeconds})`))));
}
