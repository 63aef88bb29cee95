import "server-only";
import { and, asc, desc, eq, isNull, ne, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, organisations, partnerAccounts, sshKeys, type Destination, type PartnerAccount, type SshKey } from "@/db/schema";

export type NewSshKey = typeof sshKeys.$inferInsert;

export async function findAccountWithDestination(db: Executor, accountId: string): Promise<{ account: PartnerAccount; destination: Destination } | undefined> {
  const [row] = await db
    .select({ account: partnerAccounts, destination: destinations })
    .from(partnerAccounts)
    .innerJoin(destinations, eq(destinations.id, partnerAccounts.destinationId))
    .where(eq(partnerAccounts.id, accountId));
  return row;
}

export async function findKeyWithAccountNames(db: Executor, keyId: string): Promise<{ key: SshKey; destinationPreset: string | null; username: string } | undefined> {
  const [row] = await db
    .select({ key: sshKeys, destinationPreset: destinations.preset, username: partnerAccounts.username })
    .from(sshKeys)
    .innerJoin(partnerAccounts, eq(partnerAccounts.id, sshKeys.partnerAccountId))
    .innerJoin(destinations, eq(destinations.id, partnerAccounts.destinationId))
    .where(eq(sshKeys.id, keyId));
  return row;
}

/** The account's key with this fingerprint that is not retired, if any. */
export async function findLiveKeyByFingerprint(db: Executor, accountId: string, sha256: string): Promise<SshKey | undefined> {
  const [row] = await db
    .select()
    .from(sshKeys)
    .where(and(eq(sshKeys.partnerAccountId, accountId), eq(sshKeys.sha256, sha256), ne(sshKeys.status, "retired")));
  return row;
}

export async function insertSshKey(db: Executor, values: NewSshKey): Promise<SshKey> {
  const [key] = await db.insert(sshKeys).values(values).returning();
  return key;
}

export async function markPrivateKeyHeld(db: Executor, keyId: string): Promise<SshKey> {
  const [key] = await db.update(sshKeys).set({ hasPrivateKey: true }).where(eq(sshKeys.id, keyId)).returning();
  return key;
}

export async function listKeysOfAccount(db: Executor, accountId: string): Promise<SshKey[]> {
  return db.select().from(sshKeys).where(eq(sshKeys.partnerAccountId, accountId)).orderBy(desc(sshKeys.createdAt));
}

/** Marks the one-time download as taken; false when it already was (one statement, so two clicks cannot both win). */
export async function claimPrivateKeyDownload(db: Executor, keyId: string): Promise<boolean> {
  const claimed = await db
    .update(sshKeys)
    .set({ privateKeyDownloadedAt: sql`now()` })
    .where(and(eq(sshKeys.id, keyId), isNull(sshKeys.privateKeyDownloadedAt)))
    .returning({ id: sshKeys.id });
  return claimed.length > 0;
}

export async function retireSshKey(db: Executor, keyId: string): Promise<void> {
  await db.update(sshKeys).set({ status: "retired" }).where(eq(sshKeys.id, keyId));
}

export async function listPendingKeysWithNames(db: Executor) {
  return db
    .select({ key: sshKeys, organisationName: organisations.name, destinationName: destinations.name, username: partnerAccounts.username, destinationHost: destinations.host })
    .from(sshKeys)
    .innerJoin(partnerAccounts, eq(partnerAccounts.id, sshKeys.partnerAccountId))
    .innerJoin(destinations, eq(destinations.id, partnerAccounts.destinationId))
    .innerJoin(organisations, eq(organisations.id, sshKeys.organisationId))
    .where(eq(sshKeys.status, "pending"))
    .orderBy(asc(sshKeys.createdAt));
}

/** Records the admin's decision on a key that is still pending; false when it no longer is. */
export async function decidePendingKey(db: Executor, keyId: string, decision: { status: "installed" | "rejected"; reason: string | null; decidedBy: string }): Promise<boolean> {
  const updated = await db
    .update(sshKeys)
    .set({ status: decision.status, decisionReason: decision.reason, decidedBy: decision.decidedBy, decidedAt: sql`now()` })
    .where(and(eq(sshKeys.id, keyId), eq(sshKeys.status, "pending")))
    .returning({ id: sshKeys.id });
  return updated.length > 0;
}

/** A newly installed key replaces the account's other installed keys. */
export async function retireOtherInstalledKeys(db: Executor, accountId: string, keepKeyId: string): Promise<void> {
  await db
    .update(sshKeys)
    .set({ status: "retired" })
    .where(and(eq(sshKeys.partnerAccountId, accountId), eq(sshKeys.status, "installed"), ne(sshKeys.id, keepKeyId)));
}
