import "server-only";
import crypto from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { apiTokens, users } from "@/db/schema";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { hashApiToken } from "@/lib/api/tokens";
import { recordAudit } from "@/lib/audit/log";

/*
 * Monitoring tokens: an admin's bearer token that reads /api/health/details and nothing else. They
 * live in api_tokens with scope "monitoring" and no organisation; the partner API refuses them
 * (it accepts only scope "partner_api"), and they refuse everything but the health details.
 */

/** Distinct from partner tokens (edi_…), so a leaked one is recognised for what it is. */
export const MONITORING_TOKEN_PREFIX = "edm_";
const TOKEN_FORMAT = /^edm_[A-Za-z0-9_-]{43}$/;
const MAX_ACTIVE_MONITORING_TOKENS = 20;

export interface MonitoringTokenSummary {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  ownerEmail: string;
}

export async function createMonitoringToken(actor: Actor, input: { name: string }): Promise<{ token: string; summary: MonitoringTokenSummary }> {
  requireRole(actor, "admin");
  const name = input.name.trim();
  if (!name) throw new UserInputError("Name the token after the system that uses it, e.g. “Prometheus”.", "name");
  if (name.length > 80) throw new UserInputError("Use at most 80 characters for the name.", "name");
  const db = await getDb();
  const [{ active }] = await db
    .select({ active: sql<number>`count(*)::int` })
    .from(apiTokens)
    .where(and(eq(apiTokens.scope, "monitoring"), isNull(apiTokens.revokedAt)));
  if (active >= MAX_ACTIVE_MONITORING_TOKENS) throw new UserInputError(`There are already ${MAX_ACTIVE_MONITORING_TOKENS} active monitoring tokens. Revoke unused ones first.`, "name");
  const token = MONITORING_TOKEN_PREFIX + crypto.randomBytes(32).toString("base64url");
  const prefix = token.slice(0, MONITORING_TOKEN_PREFIX.length + 8);
  const [row] = await db
    .insert(apiTokens)
    .values({ userId: actor.userId, organisationId: null, scope: "monitoring", name, prefix, tokenHash: hashApiToken(token) })
    .returning({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt });
  await recordAudit({ actor, action: "monitoring_token.created", target: `${name} (${prefix}…)`, result: "success", ip: actor.ip, detail: { tokenId: row.id } });
  return { token, summary: { ...row, ownerEmail: actor.email } };
}

/** Every active monitoring token (any admin's), newest first. */
export async function listMonitoringTokens(actor: Actor): Promise<MonitoringTokenSummary[]> {
  requireRole(actor, "admin");
  const db = await getDb();
  return db
    .select({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt, ownerEmail: users.email })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.scope, "monitoring"), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt));
}

export async function revokeMonitoringToken(actor: Actor, tokenId: string): Promise<void> {
  requireRole(actor, "admin");
  const db = await getDb();
  const [revoked] = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()`, revokedBy: actor.userId })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.scope, "monitoring"), isNull(apiTokens.revokedAt)))
    .returning({ name: apiTokens.name, prefix: apiTokens.prefix });
  if (!revoked) throw new NotFoundError("monitoring token");
  await recordAudit({ actor, action: "monitoring_token.revoked", target: `${revoked.name} (${revoked.prefix}…)`, result: "success", ip: actor.ip, detail: { tokenId } });
}

/**
 * The gate of /api/health/details for tokens: unrevoked, scope "monitoring", and its admin still
 * enabled and still an admin (a demoted or disabled admin's tokens stop at once).
 */
export async function resolveMonitoringToken(token: string): Promise<{ tokenId: string; scope: "monitoring" } | null> {
  if (!TOKEN_FORMAT.test(token)) return null;
  const db = await getDb();
  const [row] = await db
    .select({ id: apiTokens.id, role: users.role, disabledAt: users.disabledAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, hashApiToken(token)), eq(apiTokens.scope, "monitoring"), isNull(apiTokens.revokedAt)));
  if (!row || row.disabledAt || row.role !== "admin") return null;
  await db.update(apiTokens).set({ lastUsedAt: sql`now()` }).where(eq(apiTokens.id, row.id));
  return { tokenId: row.id, scope: "monitoring" };
}
