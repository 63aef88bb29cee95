/**
 * Typed vault errors. Messages may name files, key ids and environment variable names, never a key,
 * a plaintext or a ciphertext.
 */
export const VAULT_ERROR_CODES = {
  DECRYPT_FAILED:
    "A stored secret could not be decrypted: it was altered, copied from another record, or sealed under a different master key with the same id.",
  UNKNOWN_KEY_ID: "A stored secret was sealed under a master key that is not in the keyring.",
  MALFORMED_SECRET: "A stored secret is not in the vault's format (truncated or damaged).",
  INVALID_AAD: "The record binding (additional authenticated data) for a secret is missing or invalid.",
  MASTER_KEY_INVALID: "The master key must be the base64 encoding of exactly 32 random bytes.",
  MASTER_KEY_FILE_INSECURE: "A vault master key file or folder is readable or writable by other users.",
  MASTER_KEY_FILE_INVALID: "A vault master key file is damaged.",
  MASTER_KEY_IN_USE: "The active master key cannot be removed.",
} as const;

export type VaultErrorCode = keyof typeof VAULT_ERROR_CODES;

export class VaultError extends Error {
  readonly code: VaultErrorCode;

  constructor(code: VaultErrorCode, message?: string) {
    super(message ?? VAULT_ERROR_CODES[code]);
    this.name = "VaultError";
    this.code = code;
  }
}

export function isVaultError(value: unknown): value is VaultError {
  return value instanceof VaultError;
}
