import "server-only";
import { getDb } from "@/db/client";
import * as repo from "@/db/repositories/account-status";
import { NotFoundError } from "@/lib/errors";
import { requireRole, type Actor } from "@/lib/auth/actor";

export interface AccountStatus {
  accountId: string;
  username: string;
  secretsSetBy: "partner" | "admin";
  accountDisabled: boolean;
  organisationId: string;
  organisationName: string;
  destinationId: string;
  destinationName: string;
  destinationDisabled: boolean;
  protocol: string;
  auth: string;
  passwordSetAt: Date | null;
  installedKeys: number;
  pendingKeys: number;
  /** Whether the destination signs in with a key at all (SFTP with key or password and key); FTPS never does. */
  keyUsed: boolean;
  /** Whether every credential the destination asks for is in place (password and/or an approved key we hold). */
  credentialsComplete: boolean;
  lastDeliveredAt: Date | null;
  lastDiagnosis: { id: string; ok: boolean; code: string | null; headline: string; startedAt: Date } | null;
}

/** Every partner account the actor may see, with what is set on it and how it last went. */
export { accountStatusSorts, type AccountStatusSort } from "@/db/repositories/account-status";

export async function listAccountStatuses(
  actor: Actor,
  filter: { organisationId?: string; destinationId?: string } = {},
  order?: { sort: repo.AccountStatusSort; direction: "asc" | "desc" },
  page?: { offset: number; limit: number },
): Promise<AccountStatus[]> {
  filter = visibleAccounts(actor, filter);
  const rows = await repo.selectAccountStatusRows(await getDb(), filter, order, page);
  return rows.map((row) => {
    const needsPassword = row.protocol !== "sftp" || row.auth !== "key";
    const needsKey = row.protocol === "sftp" && row.auth !== "password";
    const installedKeys = Number(row.installedKeys);
    const diagnosis = typeof row.lastDiagnosis === "string" ? JSON.parse(row.lastDiagnosis) : row.lastDiagnosis;
    return {
      accountId: row.accountId,
      username: row.username,
      secretsSetBy: row.secretsSetBy,
      accountDisabled: Boolean(row.accountDisabledAt),
      organisationId: row.organisationId,
      organisationName: row.organisationName,
      destinationId: row.destinationId,
      destinationName: row.destinationName,
      destinationDisabled: Boolean(row.destinationDisabledAt),
      protocol: row.protocol,
      auth: row.auth,
      passwordSetAt: row.passwordSetAt,
      installedKeys,
      pendingKeys: Number(row.pendingKeys),
      keyUsed: needsKey,
      credentialsComplete: (!needsPassword || Boolean(row.passwordSetAt)) && (!needsKey || installedKeys > 0),
      lastDeliveredAt: row.lastDeliveredAt ? new Date(row.lastDeliveredAt) : null,
      lastDiagnosis: diagnosis ? { ...diagnosis, startedAt: new Date(diagnosis.startedAt) } : null,
    };
  });
}

/** How many partner accounts the actor may see under `filter`: the total beside a paged list. */
export async function countAccountStatuses(actor: Actor, filter: { organisationId?: string; destinationId?: string } = {}): Promise<number> {
  return repo.countAccountStatusRows(await getDb(), visibleAccounts(actor, filter));
}

/** A partner sees its own organisation's accounts only; admins and support see every one. */
function visibleAccounts(actor: Actor, filter: { organisationId?: string; destinationId?: string }) {
  if (actor.role === "partner") {
    if (filter.organisationId && filter.organisationId !== actor.organisationId) throw new NotFoundError("organisation");
    return { ...filter, organisationId: actor.organisationId ?? "00000000-0000-0000-0000-000000000000" };
  }
  requireRole(actor, "admin", "support");
  return filter;
}

/** The keys of one organisation's accounts, for its page: public facts only. */
export async function listOrganisationKeys(actor: Actor, organisationId: string) {
  requireRole(actor, "admin", "support");
  return repo.selectOrganisationKeys(await getDb(), organisationId);
}
