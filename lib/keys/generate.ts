import { generateKeyPair, generateKeyPairSync, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { describeRsaPublicKey, type RsaPublicKeyInfo } from "./public-formats";
import { toPkcs1Pem } from "./rsa";

const generateKeyPairAsync = promisify(generateKeyPair);

export const GENERATABLE_RSA_BITS = [2048, 3072, 4096] as const;
export type GeneratableRsaBits = (typeof GENERATABLE_RSA_BITS)[number];

export interface GeneratedKeyPair {
  /** Unencrypted PKCS#1 PEM, for the vault only; never shown, logged or sent. */
  privateKeyPem: string;
  privateKeyFormat: "pkcs1";
  publicKey: RsaPublicKeyInfo;
}

function assertGeneratable(bits: number): asserts bits is GeneratableRsaBits {
  if (!(GENERATABLE_RSA_BITS as readonly number[]).includes(bits)) {
    throw new RangeError(`RSA key size must be one of ${GENERATABLE_RSA_BITS.join(", ")}`);
  }
}

/** Generates off the event loop (libuv thread pool); 4096-bit keys take seconds. */
export async function generateRsaKeyPair(bits: GeneratableRsaBits, comment: string): Promise<GeneratedKeyPair> {
  assertGeneratable(bits);
  const { privateKey, publicKey } = await generateKeyPairAsync("rsa", { modulusLength: bits, publicExponent: 0x10001 });
  return describePair(privateKey, publicKey, comment);
}

/**
 * Generates on the calling thread: for the crypto worker threads, which run at low priority, so a
 * partner's 4096-bit key takes CPU only when the portal's pages do not need it.
 */
export function generateRsaKeyPairSync(bits: GeneratableRsaBits, comment: string): GeneratedKeyPair {
  assertGeneratable(bits);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: 0x10001 });
  return describePair(privateKey, publicKey, comment);
}

function describePair(privateKey: KeyObject, publicKey: KeyObject, comment: string): GeneratedKeyPair {
  return {
    privateKeyPem: toPkcs1Pem(privateKey),
    privateKeyFormat: "pkcs1",
    publicKey: describeRsaPublicKey(publicKey, comment),
  };
}
