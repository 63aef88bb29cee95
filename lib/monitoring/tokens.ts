import "server-only";
import crypto from "node:crypto";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import * as repo from "@/db/repositories/monitoring-tokens";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { hashApiToken } from "@/lib/api/tokens";
import { recordAudit } from "@/lib/audit/log";

/*
 * Monitoring tokens: an admin's bearer token that reads /api/health/details and /api/metrics and nothing else. They
 * live in api_tokens with scope "monitoring" and no organisation; the partner API refuses them
 * (it accepts only scope "partner_api"), and they refuse everything but the health details and the metrics.
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

/** The row and its audit row commit together. */
export async function createMonitoringToken(actor: Actor, input: { name: string }): Promise<{ token: string; summary: MonitoringTokenSummary }> {
  requireRole(actor, "admin");
  const name = input.name.trim();
  if (!name) throw new UserInputError("Name the token after the system that uses it, e.g. “Prometheus”.", "name");
  if (name.length > 80) throw new UserInputError("Use at most 80 characters for the name.", "name");
  const token = MONITORING_TOKEN_PREFIX + crypto.randomBytes(32).toString("base64url");
  const prefix = token.slice(0, MONITORING_TOKEN_PREFIX.length + 8);
  const row = await inTransaction(async (tx) => {
    if ((await repo.countActiveMonitoringTokens(tx)) >= MAX_ACTIVE_MONITORING_TOKENS) {
      throw new UserInputError(`There are already ${MAX_ACTIVE_MONITORING_TOKENS} active monitoring tokens. Revoke unused ones first.`, "name");
    }
    const inserted = await repo.insertMonitoringToken(tx, { userId: actor.userId, name, prefix, tokenHash: hashApiToken(token) });
    await recordAudit({ actor, action: "monitoring_token.created", target: `${name} (${prefix}…)`, result: "success", ip: actor.ip, detail: { tokenId: inserted.id } }, tx);
    return inserted;
  });
  return { token, summary: { ...row, ownerEmail: actor.email } };
}

/** Every active monitoring token (any admin's), newest first. */
export async function listMonitoringTokens(actor: Actor): Promise<MonitoringTokenSummary[]> {
  requireRole(actor, "admin");
  return repo.listActiveMonitoringTokens(await getDb());
}

/** The revocation and its audit row commit together. */
export async function revokeMonitoringToken(actor: Actor, tokenId: string): Promise<void> {
  requireRole(actor, "admin");
  await inTransaction(async (tx) => {
    const revoked = await repo.revokeActiveMonitoringToken(tx, tokenId, actor.userId);
    if (!revoked) throw new NotFoundError("monitoring token");
    await recordAudit({ actor, action: "monitoring_token.revoked", target: `${revoked.name} (${revoked.prefix}…)`, result: "success", ip: actor.ip, detail: { tokenId } }, tx);
  });
}

/**
 * Establishes who reads /api/health/details or /api/metrics (request fact: the bearer token): unrevoked, scope
 * "monitoring", and its admin still enabled and still an admin (a demoted or disabled admin's
 * tokens stop at once).
 */
export async function resolveMonitoringToken(token: string): Promise<{ tokenId: string; scope: "monitoring" } | null> {
  if (!TOKEN_FORMAT.test(token)) return null;
  const db = await getDb();
  const row = await repo.findActiveMonitoringTokenByHash(db, hashApiToken(token));
  if (!row || row.disabledAt || row.role !== "admin") return null;
  await repo.touchMonitoringTokenLastUsed(db, row.id);
  return { tokenId: row.id, scope: "monitoring" };
}
