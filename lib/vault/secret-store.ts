import "server-only";
import { and, eq, ne, notInArray, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { secrets, type SecretRow } from "@/db/schema";
import { isVaultError, openSecretText, parseSealedSecret, rewrapSecret, sealSecret, secretAad, serializeSealedSecret } from "@/lib/vault";
import { withKeyring } from "@/lib/vault/runtime";
import { logger } from "@/lib/logger";

export type SecretOwner = { kind: SecretRow["ownerKind"]; id: string };
export type SecretPurpose = SecretRow["purpose"];

/** Binds a ciphertext to its owner row and purpose: moved anywhere else, it no longer opens. */
function aadFor(owner: SecretOwner, purpose: SecretPurpose): string {
  return secretAad(`${owner.kind}.${owner.id}`, purpose);
}

/**
 * Write-only from the UI's point of view: callers above the data-access layer can set a secret or
 * learn when it was set, never read it back. Only the relay and diagnosis call `revealSecret`.
 */
export async function storeSecret(owner: SecretOwner, purpose: SecretPurpose, plaintext: string, setBy: string | null): Promise<void> {
  const db = await getDb();
  const sealed = withKeyring((keyring) => sealSecret(plaintext, aadFor(owner, purpose), keyring));
  const values = { masterKeyId: sealed.keyId, sealed: serializeSealedSecret(sealed), setBy, updatedAt: sql`now()` };
  await db
    .insert(secrets)
    .values({ ownerKind: owner.kind, ownerId: owner.id, purpose, ...values })
    .onConflictDoUpdate({ target: [secrets.ownerKind, secrets.ownerId, secrets.purpose], set: values });
}

export async function revealSecret(owner: SecretOwner, purpose: SecretPurpose): Promise<string | undefined> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(secrets)
    .where(and(eq(secrets.ownerKind, owner.kind), eq(secrets.ownerId, owner.id), eq(secrets.purpose, purpose)));
  if (!row) return undefined;
  return withKeyring((keyring) => openSecretText(parseSealedSecret(row.sealed), aadFor(owner, purpose), keyring));
}

/**
 * Re-wrap every data key that is not under the active master key. Each row is updated only if it
 * still holds the ciphertext we read, so a secret replaced meanwhile is never overwritten. A row
 * that no longer decrypts (tampered or damaged) is skipped and reported, never allowed to stop
 * the rotation of everyone else's secrets.
 */
export async function rewrapAllSecrets(): Promise<{ rewrapped: number; remaining: number; unreadable: string[]; activeKeyId: string }> {
  const db = await getDb();
  let rewrapped = 0;
  const unreadable: string[] = [];
  const activeKeyId = withKeyring((keyring) => keyring.activeKeyId);
  for (;;) {
    const pending = and(ne(secrets.masterKeyId, activeKeyId), unreadable.length ? notInArray(secrets.id, unreadable) : undefined);
    const batch = await db.select().from(secrets).where(pending).limit(100);
    if (batch.length === 0) break;
    for (const row of batch) {
      const owner = { kind: row.ownerKind, id: row.ownerId };
      let next;
      try {
        next = withKeyring((keyring) => rewrapSecret(parseSealedSecret(row.sealed), aadFor(owner, row.purpose), keyring, activeKeyId));
      } catch (error) {
        if (isVaultError(error) && (error.code === "DECRYPT_FAILED" || error.code === "MALFORMED_SECRET")) {
          unreadable.push(row.id);
          logger.error("vault: a stored secret does not decrypt and was left as it is", { record: row.id, code: error.code });
          continue;
        }
        throw error;
      }
      const updated = await db
        .update(secrets)
        .set({ sealed: serializeSealedSecret(next), masterKeyId: next.keyId })
        .where(and(eq(secrets.id, row.id), eq(secrets.sealed, row.sealed)))
        .returning({ id: secrets.id });
      if (updated.length) rewrapped++;
    }
  }
  const [{ remaining }] = await db.select({ remaining: sql<number>`count(*)::int` }).from(secrets).where(ne(secrets.masterKeyId, activeKeyId));
  return { rewrapped, remaining, unreadable, activeKeyId };
}
