import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { KeyError } from "./errors";
import { readRsaPublic } from "./parse-public";

/**
 * Throws KEY_MISMATCH unless the private key (unencrypted PEM) belongs to the registered public key
 * (any format parsePublicKey reads; normally the stored OpenSSH line).
 */
export function assertPrivateMatchesPublic(privatePem: string, publicKeyText: string): void {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: privatePem, format: "pem" });
  } catch {
    throw new KeyError("NOT_A_KEY");
  }
  if (key.asymmetricKeyType !== "rsa") throw new KeyError("KEY_MISMATCH");
  if (!createPublicKey(key).equals(readRsaPublic(publicKeyText).key)) throw new KeyError("KEY_MISMATCH");
}
