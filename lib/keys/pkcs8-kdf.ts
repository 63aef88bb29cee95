import type { KdfParams } from "./kdf-limits";

/**
 * Reads, from an encrypted PKCS#8 key ("BEGIN ENCRYPTED PRIVATE KEY", RFC 5958 / RFC 8018), only the
 * key-derivation settings, so their cost can be checked before node:crypto (OpenSSL) runs the
 * derivation synchronously. Returns undefined for anything it cannot read: OpenSSL decrypts only the
 * schemes below, so the caller refuses such a file rather than let OpenSSL interpret it unchecked.
 *
 *   EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING }
 *   PBES2-params   ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }
 *   PBKDF2-params  ::= SEQUENCE { salt, iterationCount INTEGER, keyLength INTEGER OPTIONAL, prf OPTIONAL }
 *   scrypt-params  ::= SEQUENCE { salt OCTET STRING, costParameter INTEGER, blockSize INTEGER, parallelizationParameter INTEGER, ... }
 *   PBES1 and PKCS#12 PBE params ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
 */

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OID = 0x06;

// DER contents of the object identifiers.
const PBES2 = "2a864886f70d01050d"; // 1.2.840.113549.1.5.13
const PBKDF2 = "2a864886f70d01050c"; // 1.2.840.113549.1.5.12
const SCRYPT = "2b06010401da47040b"; // 1.3.6.1.4.1.11591.4.11
const PBES1_PREFIX = "2a864886f70d0105"; // 1.2.840.113549.1.5.{1,3,4,6,10,11}
const PKCS12_PBE_PREFIX = "2a864886f70d010c01"; // 1.2.840.113549.1.12.1.{1..6}

interface Tlv {
  tag: number;
  value: Buffer;
}

class DerError extends Error {}

/** One definite-length DER element at `pos` (indefinite lengths and multi-byte tags are not DER). */
function readTlv(data: Buffer, pos: number): Tlv & { end: number } {
  if (pos + 2 > data.length) throw new DerError();
  const tag = data[pos];
  if ((tag & 0x1f) === 0x1f) throw new DerError();
  let len = data[pos + 1];
  pos += 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > data.length) throw new DerError();
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + data[pos + i];
    pos += n;
  }
  if (pos + len > data.length) throw new DerError();
  return { tag, value: data.subarray(pos, pos + len), end: pos + len };
}

function children(data: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = 0; pos < data.length; ) {
    const tlv = readTlv(data, pos);
    out.push(tlv);
    pos = tlv.end;
  }
  return out;
}

function take(tlv: Tlv | undefined, tag: number): Buffer {
  if (!tlv || tlv.tag !== tag) throw new DerError();
  return tlv.value;
}

/** A non-negative INTEGER as a number; huge values become huge floats (still refused as too costly). */
function integer(tlv: Tlv | undefined): number {
  const value = take(tlv, INTEGER);
  if (value.length === 0 || value[0] & 0x80) throw new DerError();
  return Number(BigInt(`0x${value.toString("hex")}`));
}

function algorithm(tlv: Tlv | undefined): { oid: string; params: Tlv[] } {
  const [oid, params] = children(take(tlv, SEQUENCE));
  return { oid: take(oid, OID).toString("hex"), params: params?.tag === SEQUENCE ? children(params.value) : [] };
}

export function readEncryptedPkcs8Kdf(der: Buffer): KdfParams | undefined {
  try {
    const [encryptionAlgorithm] = children(take(readTlv(der, 0), SEQUENCE));
    const scheme = algorithm(encryptionAlgorithm);
    if (scheme.oid === PBES2) {
      const kdf = algorithm(scheme.params[0]);
      if (kdf.oid === PBKDF2) return { kdf: "pbkdf2", iterations: integer(kdf.params[1]) };
      if (kdf.oid === SCRYPT) return { kdf: "scrypt", n: integer(kdf.params[1]), r: integer(kdf.params[2]), p: integer(kdf.params[3]) };
      return undefined;
    }
    const pbes1 = scheme.oid.startsWith(PBES1_PREFIX) && scheme.oid.length === PBES1_PREFIX.length + 2;
    const pkcs12 = scheme.oid.startsWith(PKCS12_PBE_PREFIX) && scheme.oid.length === PKCS12_PBE_PREFIX.length + 2;
    if (pbes1 || pkcs12) return { kdf: "pbkdf2", iterations: integer(scheme.params[1]) };
    return undefined;
  } catch (err) {
    if (err instanceof DerError) return undefined;
    throw err;
  }
}
