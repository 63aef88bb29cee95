import "server-only";
import crypto from "node:crypto";
import { getDb } from "@/db/client";
import { inTransaction, type Executor } from "@/db/executor";
import * as repo from "@/db/repositories/api-tokens";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { requireApprovedPartner, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { assertRecentlyAuthenticated } from "@/lib/auth/sessions";

/** Every token starts with this, so secret scanners and people recognise a leaked one. */
export const API_TOKEN_PREFIX = "edi_";
/** `edi_` and the next 8 characters: shown in the UI to tell tokens apart, useless on its own. */
const VISIBLE_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 8;
const TOKEN_FORMAT = /^edi_[A-Za-z0-9_-]{43}$/;
const MAX_ACTIVE_TOKENS_PER_USER = 20;
const LAST_USED_RESOLUTION_SECONDS = 60;

export interface ApiTokenSummary {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export function hashApiToken(token: string): string {
  return crypto.createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new token for the partner's own use. The secret is returned here once and never stored. The row and its audit row commit together. */
export async function createApiToken(actor: Actor, input: { name: string }): Promise<{ token: string; summary: ApiTokenSummary }> {
  const partner = requireApprovedPartner(actor);
  await assertRecentlyAuthenticated(actor);
  const name = input.name.trim();
  if (!name) throw new UserInputError("Give the token a name that says where it is used, e.g. “billing export job”.", "name");
  if (name.length > 80) throw new UserInputError("Use at most 80 characters for the name.", "name");
  const token = API_TOKEN_PREFIX + crypto.randomBytes(32).toString("base64url");
  const prefix = token.slice(0, VISIBLE_PREFIX_LENGTH);
  const summary = await inTransaction(async (tx) => {
    if ((await repo.countActiveTokensOfUser(tx, partner.userId)) >= MAX_ACTIVE_TOKENS_PER_USER) {
      throw new UserInputError(`You already have ${MAX_ACTIVE_TOKENS_PER_USER} active tokens. Revoke the ones you no longer use first.`, "name");
    }
    const row = await repo.insertPartnerApiToken(tx, { userId: partner.userId, organisationId: partner.organisationId, name, prefix, tokenHash: hashApiToken(token) });
    await recordAudit({ actor, organisationId: partner.organisationId, action: "api_token.created", target: `${name} (${prefix}…)`, result: "success", ip: actor.ip, detail: { tokenId: row.id } }, tx);
    return row;
  });
  return { token, summary };
}

/** The partner's own active tokens, newest first. */
export async function listApiTokens(actor: Actor): Promise<ApiTokenSummary[]> {
  const partner = requireApprovedPartner(actor);
  return repo.listActivePartnerTokensOfUser(await getDb(), partner.userId);
}

/**
 * Revokes one of the actor's own tokens (administrators may revoke anyone's). Someone else's token
 * looks exactly like a missing one. The revocation and its audit row commit together.
 */
export async function revokeApiToken(actor: Actor, tokenId: string): Promise<void> {
  if (actor.role !== "admin") requireApprovedPartner(actor);
  await assertRecentlyAuthenticated(actor);
  await inTransaction(async (tx) => {
    const revoked = await repo.revokeActiveToken(tx, tokenId, actor.userId, actor.role === "admin" ? undefined : actor.userId);
    if (!revoked) throw new NotFoundError("API token");
    await recordAudit({ actor, organisationId: revoked.organisationId, action: "api_token.revoked", target: `${revoked.name} (${revoked.prefix}…)`, result: "success", ip: actor.ip, detail: { tokenId } }, tx);
  });
}

/** Why a password use case revoked the user's tokens (the audit rows' detail). */
export type PasswordRevocationReason = "password_changed" | "password_reset_completed" | "password_reset_forced";

/**
 * A step of the password use cases (changing one's own password, completing a reset link, an
 * admin's forced reset), inside their transaction: every active partner API token of the user is
 * revoked, one "api_token.revoked" audit row each, so a token made with a leaked password stops
 * with it. Tokens are revoked rather than paused: after the change the user makes new ones.
 * Returns how many were revoked.
 */
export async function revokeApiTokensForPassword(
  tx: Executor,
  user: { id: string },
  by: { actor: Pick<Actor, "userId" | "email" | "role">; ip: string | null },
  reason: PasswordRevocationReason,
): Promise<number> {
  const revoked = await repo.revokeActivePartnerTokensOfUser(tx, user.id, by.actor.userId);
  for (const token of revoked) {
    await recordAudit(
      { actor: by.actor, organisationId: token.organisationId, action: "api_token.revoked", target: `${token.name} (${token.prefix}…)`, result: "success", ip: by.ip, detail: { tokenId: token.id, reason } },
      tx,
    );
  }
  return revoked.length;
}

/**
 * Establishes the actor of an API request (request facts: the bearer token, ip). The gate every
 * API request passes: the token must exist and be unrevoked, and its user must still be an enabled
 * partner of the same, approved organisation. A role change, a move to another organisation or
 * disabling the user therefore stops the token on its next request. The actor it returns can do
 * only what the token is for: no org-admin rights, and never "recently authenticated".
 */
export async function resolveApiToken(token: string, ip: string | null): Promise<{ actor: Actor; tokenId: string } | null> {
  if (!TOKEN_FORMAT.test(token)) return null;
  const db = await getDb();
  const row = await repo.findActivePartnerTokenByHash(db, hashApiToken(token));
  if (!row) return null;
  if (row.user.disabledAt || row.user.role !== "partner" || row.user.organisationId !== row.token.organisationId) return null;
  // A forced password reset closes the API too, until the user has set the new password.
  if (row.user.mustChangePassword) return null;
  if (row.organisationStatus !== "approved") return null;
  // At most one write a minute per token, whatever the request rate.
  await repo.touchTokenLastUsed(db, row.token.id, LAST_USED_RESOLUTION_SECONDS);
  return {
    tokenId: row.token.id,
    actor: {
      userId: row.user.id,
      email: row.user.email,
      name: row.user.name,
      role: "partner",
      organisationId: row.token.organisationId,
      organisationStatus: row.organisationStatus,
      isOrgAdmin: false,
      sessionId: `api-token:${row.token.id}`,
      reauthenticatedAt: new Date(0),
      ip,
    },
  };
}
