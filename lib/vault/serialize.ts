import { VaultError } from "@/lib/vault/errors";
import type { SealedSecret } from "@/lib/vault/envelope";

/**
 * Compact text form for one database column:
 *   v1.<keyId>.<wrappedKey>.<wrapNonce>.<wrapTag>.<nonce>.<ciphertext>.<tag>
 * each binary part base64url without padding. Lengths are checked when opening, not here.
 */
export function serializeSealedSecret(s: SealedSecret): string {
  const parts = [s.wrappedKey, s.wrapNonce, s.wrapTag, s.nonce, s.ciphertext, s.tag].map((b) => b.toString("base64url"));
  return ["v1", s.keyId, ...parts].join(".");
}

const B64URL = /^[A-Za-z0-9_-]*$/;

export function parseSealedSecret(text: string): SealedSecret {
  const parts = typeof text === "string" ? text.trim().split(".") : [];
  if (parts.length !== 8 || parts[0] !== "v1" || !/^[0-9a-f]{16}$/.test(parts[1]) || !parts.slice(2).every((p) => B64URL.test(p))) {
    throw new VaultError("MALFORMED_SECRET");
  }
  const [wrappedKey, wrapNonce, wrapTag, nonce, ciphertext, tag] = parts.slice(2).map((p) => Buffer.from(p, "base64url"));
  return { version: 1, keyId: parts[1], wrappedKey, wrapNonce, wrapTag, nonce, ciphertext, tag };
}
