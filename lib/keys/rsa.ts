import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { bigintToUnsignedBytes, bytesToBigint, SshReader, SshWriter } from "./ssh-wire";

/** The numbers that make an RSA key, independent of file format. */
export interface RsaPublicComponents {
  n: bigint;
  e: bigint;
}

export interface RsaPrivateComponents extends RsaPublicComponents {
  d: bigint;
  p: bigint;
  q: bigint;
}

const b64u = (v: bigint) => bigintToUnsignedBytes(v).toString("base64url");
const fromB64u = (s: string | undefined) => bytesToBigint(Buffer.from(s ?? "", "base64url"));

export function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

export function rsaPublicFromKeyObject(key: KeyObject): RsaPublicComponents {
  const jwk = key.export({ format: "jwk" });
  return { n: fromB64u(jwk.n), e: fromB64u(jwk.e) };
}

export function rsaPrivateFromKeyObject(key: KeyObject): RsaPrivateComponents {
  const jwk = key.export({ format: "jwk" });
  return { n: fromB64u(jwk.n), e: fromB64u(jwk.e), d: fromB64u(jwk.d), p: fromB64u(jwk.p), q: fromB64u(jwk.q) };
}

export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError("not invertible");
  return ((oldS % m) + m) % m;
}

/**
 * Builds a node:crypto key from raw components. The CRT values are recomputed rather than trusted from
 * the file, and the key must sign and verify: a corrupted or mis-decrypted file must not yield a key.
 * Returns undefined when the components do not form a working RSA key.
 */
export function privateKeyObjectFromComponents(c: RsaPrivateComponents): KeyObject | undefined {
  if (c.p <= 1n || c.q <= 1n || c.p * c.q !== c.n || c.d <= 1n) return undefined;
  let key: KeyObject;
  try {
    key = createPrivateKey({
      format: "jwk",
      key: {
        kty: "RSA",
        n: b64u(c.n),
        e: b64u(c.e),
        d: b64u(c.d),
        p: b64u(c.p),
        q: b64u(c.q),
        dp: b64u(c.d % (c.p - 1n)),
        dq: b64u(c.d % (c.q - 1n)),
        qi: b64u(modInverse(c.q, c.p)),
      },
    });
  } catch {
    return undefined;
  }
  return keyWorks(key) ? key : undefined;
}

export function publicKeyObjectFromComponents(c: RsaPublicComponents): KeyObject {
  return createPublicKey({ format: "jwk", key: { kty: "RSA", n: b64u(c.n), e: b64u(c.e) } });
}

function keyWorks(key: KeyObject): boolean {
  const probe = Buffer.from("portal key self-test");
  try {
    const sig = sign("sha256", probe, key);
    return verify("sha256", probe, createPublicKey(key), sig);
  } catch {
    return false;
  }
}

/** The "ssh-rsa" public key blob (RFC 4253 §6.6) that fingerprints and authorized_keys lines are made of. */
export function encodeRsaPublicBlob(c: RsaPublicComponents): Buffer {
  return new SshWriter().string("ssh-rsa").mpint(c.e).mpint(c.n).toBuffer();
}

/** Reads the key type of any SSH public key blob (ssh-rsa, ssh-ed25519, ecdsa-…). */
export function publicBlobKeyType(blob: Buffer): string {
  return new SshReader(blob).text();
}

export function decodeRsaPublicBlob(blob: Buffer): RsaPublicComponents {
  const r = new SshReader(blob);
  r.text();
  const e = r.mpint();
  const n = r.mpint();
  return { n, e };
}

/** Canonical PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`): the one private format both ssh2 and node:crypto read. */
export function toPkcs1Pem(key: KeyObject): string {
  return key.export({ format: "pem", type: "pkcs1" }).toString();
}
