import "server-only";

/**
 * The credential vault's cryptography: envelope encryption of partner secrets under rotatable master keys.
 * Storage (which column holds the sealed text, which AAD a record uses) is the caller's; see envelope.ts.
 */
export { VaultError, isVaultError, VAULT_ERROR_CODES, type VaultErrorCode } from "@/lib/vault/errors";
export { Keyring, masterKeyId, MASTER_KEY_BYTES } from "@/lib/vault/keyring";
export {
  loadKeyring,
  loadKeyringFromEnv,
  createNewMasterKey,
  retireMasterKey,
  generateMasterKeyBase64,
  KEY_DIR_NAME,
  type LoadKeyringOptions,
} from "@/lib/vault/keyring-store";
export { sealSecret, openSecret, openSecretText, rewrapSecret, secretAad, type SealedSecret } from "@/lib/vault/envelope";
export { serializeSealedSecret, parseSealedSecret } from "@/lib/vault/serialize";
