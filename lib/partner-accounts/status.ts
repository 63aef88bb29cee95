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
): Promise<AccountStatus[]> {
  if (actor.role === "partner") {
    if (filter.organisationId && filter.organisationId !== actor.organisationId) throw new NotFoundError("organisation");
    filter = { ...filter, organisationId: actor.organisationId ?? "00000000-0000-0000-0000-000000000000" };
  } else {
    requireRole(actor, "admin", "support");
  }
  const rows = await repo.selectAccountStatusRows(await getDb(), filter, order);
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

/** The keys of one organisation's accounts, for its page: public facts only. */
export async function listOrganisationKeys(actor: Actor, organisationId: string) {
  requireRole(actor, "admin", "support");
  return repo.selectOrganisationKeys(await getDb(), organisationId);
}
