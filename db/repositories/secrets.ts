import "server-only";
import { and, eq, ne, notInArray, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { secrets, type SecretRow } from "@/db/schema";

export type SecretOwner = { kind: SecretRow["ownerKind"]; id: string };
export type SecretPurpose = SecretRow["purpose"];

/** Inserts or replaces the sealed value of one owner's secret. */
export async function upsertSealedSecret(db: Executor, owner: SecretOwner, purpose: SecretPurpose, sealed: { masterKeyId: string; sealed: string; setBy: string | null }): Promise<void> {
  const values = { ...sealed, updatedAt: sql`now()` };
  await db
    .insert(secrets)
    .values({ ownerKind: owner.kind, ownerId: owner.id, purpose, ...values })
    .onConflictDoUpdate({ target: [secrets.ownerKind, secrets.ownerId, secrets.purpose], set: values });
}

export async function findSealedSecret(db: Executor, owner: SecretOwner, purpose: SecretPurpose): Promise<SecretRow | undefined> {
  const [row] = await db
    .select()
    .from(secrets)
    .where(and(eq(secrets.ownerKind, owner.kind), eq(secrets.ownerId, owner.id), eq(secrets.purpose, purpose)));
  return row;
}

export async function deleteSealedSecret(db: Executor, owner: SecretOwner, purpose: SecretPurpose): Promise<void> {
  await db.delete(secrets).where(and(eq(secrets.ownerKind, owner.kind), eq(secrets.ownerId, owner.id), eq(secrets.purpose, purpose)));
}

/** A batch of secrets whose data key is wrapped by another master key than `activeKeyId`. */
export async function secretsNotUnder(db: Executor, activeKeyId: string, skipIds: string[], limit: number): Promise<SecretRow[]> {
  const pending = and(ne(secrets.masterKeyId, activeKeyId), skipIds.length ? notInArray(secrets.id, skipIds) : undefined);
  return db.select().from(secrets).where(pending).limit(limit);
}

/** Replaces a sealed value only if it still holds what was read, so a newer secret is never overwritten. */
export async function replaceSealedIfUnchanged(db: Executor, id: string, expectedSealed: string, next: { sealed: string; masterKeyId: string }): Promise<boolean> {
  const updated = await db
    .update(secrets)
    .set(next)
    .where(and(eq(secrets.id, id), eq(secrets.sealed, expectedSealed)))
    .returning({ id: secrets.id });
  return updated.length > 0;
}

export async function countSecretsNotUnder(db: Executor, activeKeyId: string): Promise<number> {
  const [{ remaining }] = await db.select({ remaining: sql<number>`count(*)::int` }).from(secrets).where(ne(secrets.masterKeyId, activeKeyId));
  return remaining;
}
