import "server-only";
import { and, asc, desc, eq, sql, type SQL } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, organisations, partnerAccounts, secrets, sshKeys } from "@/db/schema";

/**
 * Every partner account with what is set on it and how it last went, in one statement: the counts
 * and the latest diagnosis are correlated subqueries on indexed columns, the last delivery one
 * grouped pass over delivered transfers. Never a secret, only when one was set.
 */
export const accountStatusSorts = ["organisation", "destination", "user", "secretsSetBy", "lastDelivery"] as const;
export type AccountStatusSort = (typeof accountStatusSorts)[number];

export async function selectAccountStatusRows(
  db: Executor,
  filter: { organisationId?: string; destinationId?: string },
  order: { sort: AccountStatusSort; direction: "asc" | "desc" } = { sort: "organisation", direction: "asc" },
  page?: { offset: number; limit: number },
) {
  const conditions = accountConditions(filter);
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
    .orderBy(...accountOrder(order, lastDelivery.deliveredAt))
    .limit(page?.limit ?? Number.MAX_SAFE_INTEGER)
    .offset(page?.offset ?? 0);
  return rows;
}

export async function countAccountStatusRows(db: Executor, filter: { organisationId?: string; destinationId?: string }): Promise<number> {
  const conditions = accountConditions(filter);
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(partnerAccounts)
    .where(conditions.length ? and(...conditions) : undefined);
  return Number(row?.count ?? 0);
}

function accountConditions(filter: { organisationId?: string; destinationId?: string }): SQL[] {
  const conditions: SQL[] = [];
  if (filter.organisationId) conditions.push(eq(partnerAccounts.organisationId, filter.organisationId));
  if (filter.destinationId) conditions.push(eq(partnerAccounts.destinationId, filter.destinationId));
  return conditions;
}

/** ORDER BY for a whitelisted sort: column objects from a fixed map, never a name from the request. */
function accountOrder(order: { sort: AccountStatusSort; direction: "asc" | "desc" }, lastDeliveredAt: SQL.Aliased<Date | null>): SQL[] {
  const by = order.direction === "desc" ? desc : asc;
  const tieBreak = [asc(organisations.name), asc(destinations.name), asc(partnerAccounts.id)];
  switch (order.sort) {
    case "destination":
      return [by(destinations.name), ...tieBreak];
    case "user":
      return [by(partnerAccounts.username), ...tieBreak];
    case "secretsSetBy":
      return [by(partnerAccounts.secretsSetBy), ...tieBreak];
    case "lastDelivery":
      // Never-delivered accounts last either way.
      return [sql`${lastDeliveredAt} ${order.direction === "desc" ? sql`desc` : sql`asc`} nulls last`, ...tieBreak];
    default:
      return [by(organisations.name), by(destinations.name), asc(partnerAccounts.id)];
  }
}

/** The keys of one organisation's accounts: public facts only. */
export async function selectOrganisationKeys(db: Executor, organisationId: string) {
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
