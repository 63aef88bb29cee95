import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { VaultError } from "@/lib/vault/errors";
import { masterKeyFor, type Keyring } from "@/lib/vault/keyring";

/**
 * Envelope encryption. Each secret gets a fresh 256-bit data key; the payload is AES-256-GCM under it,
 * and the data key is AES-256-GCM-wrapped under a master key. The caller's AAD (which record, which
 * purpose) is authenticated by both layers, so a sealed secret copied into another row does not open.
 * Rotation re-wraps only the 32-byte data key.
 */
export interface SealedSecret {
  version: 1;
  keyId: string;
  wrappedKey: Buffer;
  wrapNonce: Buffer;
  wrapTag: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export const DATA_KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

const ALGORITHM = "aes-256-gcm";

/** The conventional AAD: `secret:<recordId>:<purpose>`. Colons are refused inside parts so no two bindings collide. */
export function secretAad(recordId: string, purpose: string): string {
  for (const part of [recordId, purpose]) {
    if (!part || part.includes(":")) throw new VaultError("INVALID_AAD", "Record id and purpose must be non-empty and contain no ':'.");
  }
  return `secret:${recordId}:${purpose}`;
}

// Domain separation: the wrap and the payload never share an AAD, and the wrap names its master key.
const wrapAad = (keyId: string, aad: string) => Buffer.from(`edi-portal/vault/v1/wrap\0${keyId}\0${aad}`, "utf8");
const payloadAad = (aad: string) => Buffer.from(`edi-portal/vault/v1/data\0${aad}`, "utf8");

function checkAad(aad: string): void {
  if (typeof aad !== "string" || aad.length === 0) throw new VaultError("INVALID_AAD");
}

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): { nonce: Buffer; ciphertext: Buffer; tag: Buffer } {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, ciphertext, tag: cipher.getAuthTag() };
}

function decrypt(key: Buffer, nonce: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Buffer {
  // authTagLength pins 16 bytes: without it GCM accepts a 4-byte tag, which is forgeable.
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new VaultError("DECRYPT_FAILED");
  }
}

function checkShape(s: SealedSecret): void {
  const ok =
    s !== null &&
    typeof s === "object" &&
    s.version === 1 &&
    typeof s.keyId === "string" &&
    [s.wrappedKey, s.wrapNonce, s.wrapTag, s.nonce, s.ciphertext, s.tag].every(Buffer.isBuffer) &&
    s.wrappedKey.length === DATA_KEY_BYTES &&
    s.wrapNonce.length === NONCE_BYTES &&
    s.nonce.length === NONCE_BYTES &&
    s.wrapTag.length === TAG_BYTES &&
    s.tag.length === TAG_BYTES;
  if (!ok) throw new VaultError("MALFORMED_SECRET");
}

function unwrapDataKey(sealed: SealedSecret, aad: string, keyring: Keyring): Buffer {
  const master = masterKeyFor(keyring, sealed.keyId);
  return decrypt(master, sealed.wrapNonce, sealed.wrappedKey, sealed.wrapTag, wrapAad(sealed.keyId, aad));
}

export function sealSecret(plaintext: string | Buffer, aad: string, keyring: Keyring): SealedSecret {
  checkAad(aad);
  const plain = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
  const dataKey = randomBytes(DATA_KEY_BYTES);
  try {
    const payload = encrypt(dataKey, plain, payloadAad(aad));
    const keyId = keyring.activeKeyId;
    const wrap = encrypt(masterKeyFor(keyring, keyId), dataKey, wrapAad(keyId, aad));
    return {
      version: 1,
      keyId,
      wrappedKey: wrap.ciphertext,
      wrapNonce: wrap.nonce,
      wrapTag: wrap.tag,
      nonce: payload.nonce,
      ciphertext: payload.ciphertext,
      tag: payload.tag,
    };
  } finally {
    dataKey.fill(0);
    if (typeof plaintext === "string") plain.fill(0);
  }
}

/** Returns the plaintext bytes; the caller should `fill(0)` them once used. */
export function openSecret(sealed: SealedSecret, aad: string, keyring: Keyring): Buffer {
  checkAad(aad);
  checkShape(sealed);
  const dataKey = unwrapDataKey(sealed, aad, keyring);
  try {
    return decrypt(dataKey, sealed.nonce, sealed.ciphertext, sealed.tag, payloadAad(aad));
  } finally {
    dataKey.fill(0);
  }
}

export function openSecretText(sealed: SealedSecret, aad: string, keyring: Keyring): string {
  const plain = openSecret(sealed, aad, keyring);
  try {
    return plain.toString("utf8");
  } finally {
    plain.fill(0);
  }
}

/**
 * Re-wraps the data key under `newKeyId` (default: the active key). The payload is authenticated first,
 * so a damaged secret is reported now rather than carried over, and is returned byte-for-byte unchanged.
 */
export function rewrapSecret(sealed: SealedSecret, aad: string, keyring: Keyring, newKeyId: string = keyring.activeKeyId): SealedSecret {
  checkAad(aad);
  checkShape(sealed);
  const dataKey = unwrapDataKey(sealed, aad, keyring);
  try {
    decrypt(dataKey, sealed.nonce, sealed.ciphertext, sealed.tag, payloadAad(aad)).fill(0);
    const wrap = encrypt(masterKeyFor(keyring, newKeyId), dataKey, wrapAad(newKeyId, aad));
    return { ...sealed, keyId: newKeyId, wrappedKey: wrap.ciphertext, wrapNonce: wrap.nonce, wrapTag: wrap.tag };
  } finally {
    dataKey.fill(0);
  }
}
