import "server-only";
import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, organisations, partnerAccounts, secrets, sshKeys } from "@/db/schema";
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
  /** Whether every credential the destination asks for is in place (password and/or an approved key we hold). */
  credentialsComplete: boolean;
  lastDeliveredAt: Date | null;
  lastDiagnosis: { id: string; ok: boolean; code: string | null; headline: string; startedAt: Date } | null;
}

/**
 * Every partner account with what is set on it and how it last went, in one statement: the counts
 * and the latest diagnosis are correlated subqueries on indexed columns, the last delivery one
 * grouped pass over delivered transfers. Never a secret, only when one was set.
 */
export async function listAccountStatuses(actor: Actor, filter: { organisationId?: string; destinationId?: string } = {}): Promise<AccountStatus[]> {
  if (actor.role === "partner") {
    if (filter.organisationId && filter.organisationId !== actor.organisationId) throw new NotFoundError("organisation");
    filter = { ...filter, organisationId: actor.organisationId ?? "00000000-0000-0000-0000-000000000000" };
  } else {
    requireRole(actor, "admin", "support");
  }
  const conditions: SQL[] = [];
  if (filter.organisationId) conditions.push(eq(partnerAccounts.organisationId, filter.organisationId));
  if (filter.destinationId) conditions.push(eq(partnerAccounts.destinationId, filter.destinationId));
  const db = await getDb();
  const lastDelivery = db
    .select({ partnerAccountId: sql<string>`partner_account_id`.as("ld_account"), deliveredAt: sql<Date | null>`max(delivered_at)`.as("ld_at") })
    .from(sql`transfers`)
    .where(sql`status = 'delivered'`)
    .groupBy(sql`partner_account_id`)
    .as("last_delivery");
  const rows = await db
    .select({
      accountId: partnerAccounts.id,
      username: partnerAccounts.username,
      secretsSetBy: partnerAccounts.secretsSetBy,
      accountDisabledAt: partnerAccounts.disabledAt,
      organisationId: partnerAccounts.organisationId,
      organisationName: organisations.name,
      destinationId: destinations.id,
      destinationName: destinations.name,
      destinationDisabledAt: destinations.disabledAt,
      protocol: destinations.protocol,
      auth: destinations.auth,
      passwordSetAt: secrets.updatedAt,
      installedKeys: sql<number>`(select count(*)::int from ${sshKeys} k where k.partner_account_id = ${partnerAccounts.id} and k.status = 'installed')`,
      pendingKeys: sql<number>`(select count(*)::int from ${sshKeys} k where k.partner_account_id = ${partnerAccounts.id} and k.status = 'pending')`,
      lastDeliveredAt: lastDelivery.deliveredAt,
      lastDiagnosis: sql<{ id: string; ok: boolean; code: string | null; headline: string; startedAt: string } | null>`(
        select json_build_object('id', g.id, 'ok', g.ok, 'code', g.code, 'headline', g.headline, 'startedAt', g.started_at)
          from diagnoses g where g.partner_account_id = ${partnerAccounts.id} order by g.started_at desc limit 1)`,
    })
    .from(partnerAccounts)
    .innerJoin(organisations, eq(organisations.id, partnerAccounts.organisationId))
    .innerJoin(destinations, eq(destinations.id, partnerAccounts.destinationId))
    .leftJoin(secrets, and(eq(secrets.ownerKind, "partner_account"), eq(secrets.ownerId, partnerAccounts.id), eq(secrets.purpose, "upstream_password")))
    .leftJoin(lastDelivery, eq(lastDelivery.partnerAccountId, partnerAccounts.id))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(organisations.name), asc(destinations.name));
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
      credentialsComplete: (!needsPassword || Boolean(row.passwordSetAt)) && (!needsKey || installedKeys > 0),
      lastDeliveredAt: row.lastDeliveredAt ? new Date(row.lastDeliveredAt) : null,
      lastDiagnosis: diagnosis ? { ...diagnosis, startedAt: new Date(diagnosis.startedAt) } : null,
    };
  });
}

/** The keys of one organisation's accounts, for its page: public facts only. */
export async function listOrganisationKeys(actor: Actor, organisationId: string) {
  requireRole(actor, "admin", "support");
  const db = await getDb();
  return db
    .select({
      id: sshKeys.id,
      status: sshKeys.status,
      bits: sshKeys.bits,
      sha256: sshKeys.sha256,
      source: sshKeys.source,
      hasPrivateKey: sshKeys.hasPrivateKey,
      createdAt: sshKeys.createdAt,
      decidedAt: sshKeys.decidedAt,
      username: partnerAccounts.username,
      destinationName: destinations.name,
    })
    .from(sshKeys)
    .innerJoin(partnerAccounts, eq(partnerAccounts.id, sshKeys.partnerAccountId))
    .innerJoin(destinations, eq(destinations.id, partnerAccounts.destinationId))
    .where(eq(sshKeys.organisationId, organisationId))
    .orderBy(asc(destinations.name), asc(sshKeys.createdAt));
}
