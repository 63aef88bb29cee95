import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { describeRsaPublicKey, type RsaPublicKeyInfo } from "./public-formats";
import { rsaPublicFromKeyObject, toPkcs1Pem } from "./rsa";

const generateKeyPairAsync = promisify(generateKeyPair);

export const GENERATABLE_RSA_BITS = [2048, 3072, 4096] as const;
export type GeneratableRsaBits = (typeof GENERATABLE_RSA_BITS)[number];

export interface GeneratedKeyPair {
  /** Unencrypted PKCS#1 PEM, for the vault only; never shown, logged or sent. */
  privateKeyPem: string;
  privateKeyFormat: "pkcs1";
  publicKey: RsaPublicKeyInfo;
}

/** Generates off the event loop (libuv thread pool); 4096-bit keys take seconds. */
export async function generateRsaKeyPair(bits: GeneratableRsaBits, comment: string): Promise<GeneratedKeyPair> {
  if (!(GENERATABLE_RSA_BITS as readonly number[]).includes(bits)) {
    throw new RangeError(`RSA key size must be one of ${GENERATABLE_RSA_BITS.join(", ")}`);
  }
  const { privateKey, publicKey } = await generateKeyPairAsync("rsa", { modulusLength: bits, publicExponent: 0x10001 });
  return {
    privateKeyPem: toPkcs1Pem(privateKey),
    privateKeyFormat: "pkcs1",
    publicKey: describeRsaPublicKey(rsaPublicFromKeyObject(publicKey), comment),
  };
}
