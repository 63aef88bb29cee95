import "server-only";
import type { Executor } from "@/db/executor";
import { deleteSecret, revealSecretBytes, storeSecret, type SecretOwner } from "@/lib/vault/secret-store";

/*
 * Each staged file (a partner's upload, a payer's response) is sealed on disk under its own 256-bit
 * data key (lib/sealed-files). The key lives in the vault's `secrets` table, wrapped by the master key
 * like every other secret and bound to the file (owner "staged_file", the UUID of its staging key):
 * master-key rotation re-wraps it with the rest, and deleting it is crypto-shredding — the bytes,
 * or any copy of the disk, no longer decrypt.
 */

const PURPOSE = "file_key" as const;

function ownerOf(stagingKey: string): SecretOwner {
  const id = stagingKey.split("/").pop() ?? "";
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw new Error("invalid staging key");
  return { kind: "staged_file", id };
}

/** Stores a file's data key; pass the use case's transaction so the key commits with the file's row. */
export async function storeFileKey(stagingKey: string, key: Buffer, executor?: Executor): Promise<void> {
  await storeSecret(ownerOf(stagingKey), PURPOSE, key, null, executor);
}

/** The file's data key, or null for a file staged before encryption at rest (or already shredded). Wipe it after use. */
export async function loadFileKey(stagingKey: string, executor?: Executor): Promise<Buffer | null> {
  return (await revealSecretBytes(ownerOf(stagingKey), PURPOSE, executor)) ?? null;
}

/** Destroys a file's data key: its sealed bytes, wherever a copy of them lies, can no longer be read. */
export async function shredFileKey(stagingKey: string, executor?: Executor): Promise<void> {
  await deleteSecret(ownerOf(stagingKey), PURPOSE, executor);
}
