import "server-only";
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, organisations, partnerAccounts, secrets, sshKeys, type Destination, type NewPartnerAccount, type PartnerAccount, type SshKey } from "@/db/schema";

export async function findPartnerAccount(db: Executor, id: string): Promise<PartnerAccount | undefined> {
  const [account] = await db.select().from(partnerAccounts).where(eq(partnerAccounts.id, id));
  return account;
}

export async function insertPartnerAccount(db: Executor, values: NewPartnerAccount): Promise<PartnerAccount> {
  const [account] = await db.insert(partnerAccounts).values(values).returning();
  return account;
}

export interface PartnerAccountRow {
  account: PartnerAccount;
  destination: Destination;
  organisationName: string;
  /** When the upstream password was last set (never the sealed value). */
  passwordSetAt: Date | null;
}

export async function listPartnerAccountRows(db: Executor, filter: { organisationId?: string; destinationId?: string; accountIds?: string[] }): Promise<PartnerAccountRow[]> {
  if (filter.accountIds && filter.accountIds.length === 0) return [];
  const conditions = [];
  if (filter.organisationId) conditions.push(eq(partnerAccounts.organisationId, filter.organisationId));
  if (filter.destinationId) conditions.push(eq(partnerAccounts.destinationId, filter.destinationId));
  if (filter.accountIds) conditions.push(inArray(partnerAccounts.id, filter.accountIds));
  return db
    .select({ account: partnerAccounts, destination: destinations, organisationName: organisations.name, passwordSetAt: secrets.updatedAt })
    .from(partnerAccounts)
    .innerJoin(destinations, eq(destinations.id, partnerAccounts.destinationId))
    .innerJoin(organisations, eq(organisations.id, partnerAccounts.organisationId))
    .leftJoin(secrets, and(eq(secrets.ownerKind, "partner_account"), eq(secrets.ownerId, partnerAccounts.id), eq(secrets.purpose, "upstream_password")))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(organisations.name), asc(destinations.name));
}

export async function listKeysOfAccounts(db: Executor, accountIds: string[]): Promise<SshKey[]> {
  if (accountIds.length === 0) return [];
  return db.select().from(sshKeys).where(inArray(sshKeys.partnerAccountId, accountIds)).orderBy(desc(sshKeys.createdAt));
}

/** Keys whose private half the portal holds and may present: installed or awaiting installation, newest first. */
export async function listPresentableKeys(db: Executor, accountId: string): Promise<SshKey[]> {
  return db
    .select()
    .from(sshKeys)
    .where(and(eq(sshKeys.partnerAccountId, accountId), eq(sshKeys.hasPrivateKey, true), inArray(sshKeys.status, ["installed", "pending"])))
    .orderBy(desc(sshKeys.createdAt));
}

/** The organisation an account is about to be opened for: only its approval state matters here. */
export async function findOrganisationApproval(db: Executor, organisationId: string): Promise<{ id: string; status: string } | undefined> {
  const [row] = await db.select({ id: organisations.id, status: organisations.status }).from(organisations).where(eq(organisations.id, organisationId));
  return row;
}
