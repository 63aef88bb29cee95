/**
 * Typed key errors. Messages are shown to partners as-is, so each one says what to do next
 * and none ever contains key material, passphrases or file contents.
 */
export const KEY_ERROR_CODES = [
  "NOT_A_KEY",
  "KEY_NOT_RSA",
  "KEY_TOO_SMALL",
  "KEY_SIZE_NOT_ALLOWED",
  "PASSPHRASE_REQUIRED",
  "WRONG_PASSPHRASE",
  "KEY_MISMATCH",
  "PRIVATE_KEY_IN_PUBLIC_FIELD",
  "UNSUPPORTED_FORMAT",
  "KDF_TOO_COSTLY",
] as const;

export type KeyErrorCode = (typeof KEY_ERROR_CODES)[number];

const GENERATE_HINT =
  "Use the portal's key generator, or create one yourself with: ssh-keygen -t rsa -b 2048 -m PEM (PuTTYgen: choose RSA, 2048 bits).";

export const KEY_ERROR_MESSAGES: Record<KeyErrorCode, string> = {
  NOT_A_KEY:
    "This does not look like an SSH key. Paste the whole key: a public key is one line starting with \"ssh-rsa\" " +
    "or a block starting with \"---- BEGIN SSH2 PUBLIC KEY ----\"; a private key file starts with \"-----BEGIN\" or \"PuTTY-User-Key-File\".",
  KEY_NOT_RSA: `This destination requires an RSA key, and this key is not RSA. ${GENERATE_HINT}`,
  KEY_TOO_SMALL: `This RSA key is too short for this destination. Generate a new, longer key. ${GENERATE_HINT}`,
  KEY_SIZE_NOT_ALLOWED: `This destination does not accept an RSA key of this size. ${GENERATE_HINT}`,
  PASSPHRASE_REQUIRED: "This private key is protected by a passphrase. Enter the passphrase to unlock it.",
  WRONG_PASSPHRASE: "The passphrase does not unlock this private key. Check it and try again; passphrases are case-sensitive.",
  KEY_MISMATCH:
    "This private key does not belong to the registered public key. Upload the private key that was created together with that public key, " +
    "or register this key's public key with the payer instead.",
  PRIVATE_KEY_IN_PUBLIC_FIELD:
    "This is a PRIVATE key. Never send a private key to anyone: not to your payer, not to support, and not in this field. " +
    "Paste the PUBLIC key instead: the .pub file (one line starting with \"ssh-rsa\"), or in PuTTYgen the box " +
    "\"Public key for pasting into OpenSSH authorized_keys file\". If this private key was already sent to someone, generate a new key.",
  UNSUPPORTED_FORMAT:
    "This key format is not supported. Save the key in OpenSSH or PEM format (ssh-keygen -p -f yourkey, or in PuTTYgen: " +
    "Conversions > Export OpenSSH key), or use the portal's key generator.",
  // Thrown with the settings found and the limits (lib/keys/kdf-limits.ts); this is the fallback.
  KDF_TOO_COSTLY:
    "This private key's passphrase protection is set far more costly than ssh-keygen or PuTTYgen make it by default, " +
    "and the portal does not try to unlock it. Save a copy with the default settings and upload that: " +
    "ssh-keygen -p -a 16 -f portal-key (a copy of your key), or puttygen yourkey.ppk --reencrypt -o portal-key.ppk.",
};

export class KeyError extends Error {
  readonly code: KeyErrorCode;

  /** `message` overrides the default text; callers must only pass secret-free text. */
  constructor(code: KeyErrorCode, message?: string) {
    super(message ?? KEY_ERROR_MESSAGES[code]);
    this.name = "KeyError";
    this.code = code;
  }
}

export function isKeyError(value: unknown): value is KeyError {
  return value instanceof KeyError;
}
