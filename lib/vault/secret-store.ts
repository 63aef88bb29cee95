import "server-only";
import { getDb } from "@/db/client";
import type { Executor } from "@/db/executor";
import * as repo from "@/db/repositories/secrets";
import { isVaultError, openSecret, openSecretText, parseSealedSecret, rewrapSecret, sealSecret, secretAad, serializeSealedSecret } from "@/lib/vault";
import { withKeyring } from "@/lib/vault/runtime";
import { logger } from "@/lib/logger";

export type { SecretOwner, SecretPurpose } from "@/db/repositories/secrets";
type SecretOwner = repo.SecretOwner;
type SecretPurpose = repo.SecretPurpose;

/*
 * The sealed-secret store. It is a building block, not a use case: the services that call it
 * (partner accounts, keys, two-factor, webhooks, the relay) authorize their actor first. Callers
 * above the services can set a secret or learn when it was set, never read it back.
 */

/** Binds a ciphertext to its owner row and purpose: moved anywhere else, it no longer opens. */
function aadFor(owner: SecretOwner, purpose: SecretPurpose): string {
  return secretAad(`${owner.kind}.${owner.id}`, purpose);
}

/** Seals and stores; pass the use case's transaction so the secret commits with its audit row. */
export async function storeSecret(owner: SecretOwner, purpose: SecretPurpose, plaintext: string | Buffer, setBy: string | null, executor?: Executor): Promise<void> {
  const sealed = withKeyring((keyring) => sealSecret(plaintext, aadFor(owner, purpose), keyring));
  await repo.upsertSealedSecret(executor ?? (await getDb()), owner, purpose, { masterKeyId: sealed.keyId, sealed: serializeSealedSecret(sealed), setBy });
}

export async function revealSecret(owner: SecretOwner, purpose: SecretPurpose, executor?: Executor): Promise<string | undefined> {
  const row = await repo.findSealedSecret(executor ?? (await getDb()), owner, purpose);
  if (!row) return undefined;
  return withKeyring((keyring) => openSecretText(parseSealedSecret(row.sealed), aadFor(owner, purpose), keyring));
}

/** The plaintext bytes (a file's data key); the caller wipes them with `fill(0)` once used. */
export async function revealSecretBytes(owner: SecretOwner, purpose: SecretPurpose, executor?: Executor): Promise<Buffer | undefined> {
  const row = await repo.findSealedSecret(executor ?? (await getDb()), owner, purpose);
  if (!row) return undefined;
  return withKeyring((keyring) => openSecret(parseSealedSecret(row.sealed), aadFor(owner, purpose), keyring));
}

export async function deleteSecret(owner: SecretOwner, purpose: SecretPurpose, executor?: Executor): Promise<void> {
  await repo.deleteSealedSecret(executor ?? (await getDb()), owner, purpose);
}

/**
 * Re-wrap every data key that is not under the active master key. Each row is updated only if it
 * still holds the ciphertext we read, so a secret replaced meanwhile is never overwritten. A row
 * that no longer decrypts (tampered or damaged) is skipped and reported, never allowed to stop
 * the rotation of everyone else's secrets. Run by the operator's `vault:rotate` command only.
 */
export async function rewrapAllSecrets(): Promise<{ rewrapped: number; remaining: number; unreadable: string[]; activeKeyId: string }> {
  const db = await getDb();
  let rewrapped = 0;
  const unreadable: string[] = [];
  const activeKeyId = withKeyring((keyring) => keyring.activeKeyId);
  for (;;) {
    const batch = await repo.secretsNotUnder(db, activeKeyId, unreadable, 100);
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
      if (await repo.replaceSealedIfUnchanged(db, row.id, row.sealed, { sealed: serializeSealedSecret(next), masterKeyId: next.keyId })) rewrapped++;
    }
  }
  const remaining = await repo.countSecretsNotUnder(db, activeKeyId);
  return { rewrapped, remaining, unreadable, activeKeyId };
}
