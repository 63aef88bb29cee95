import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { sshMpint, sshString } from "./ssh-wire";

/**
 * RSA keys between node:crypto and the SSH formats, and the one check no library makes for us: that a
 * private key's numbers fit together. node:crypto does not check an imported key, ssh2 copies iqmp
 * from the file, and OpenSSL's CRT fault fallback still signs correctly with a damaged iqmp, so a
 * damaged file could reach the vault unnoticed. Rebuilding from n, e, d, p and q recomputes the rest.
 */

export interface RsaPrivateComponents {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
}

const b64u = (v: bigint) => {
  const hex = v.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex").toString("base64url");
};
const fromB64u = (s: string | undefined) => {
  const b = Buffer.from(s ?? "", "base64url");
  return b.length === 0 ? 0n : BigInt(`0x${b.toString("hex")}`);
};

/** What a format's reader found in a private key file, before the numbers are checked. */
export interface RsaPrivateKeyRead {
  components: RsaPrivateComponents;
  comment: string;
  /** The public key the file shows in clear (OpenSSH, .ppk): the private numbers must match it. */
  publicKey?: KeyObject;
  encrypted: boolean;
}

/** The modulus size; 0 for a key that is not RSA. */
export const rsaBits = (key: KeyObject) => key.asymmetricKeyDetails?.modulusLength ?? 0;

export function rsaPrivateComponents(key: KeyObject): RsaPrivateComponents {
  const jwk = key.export({ format: "jwk" });
  return { n: fromB64u(jwk.n), e: fromB64u(jwk.e), d: fromB64u(jwk.d), p: fromB64u(jwk.p), q: fromB64u(jwk.q) };
}

function modInverse(a: bigint, m: bigint): bigint {
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

/** A working private key with its CRT values recomputed, or undefined when the numbers do not make one. */
export function checkedRsaPrivateKey(c: RsaPrivateComponents): KeyObject | undefined {
  if (c.p <= 1n || c.q <= 1n || c.p * c.q !== c.n || c.d <= 1n) return undefined;
  try {
    const key = createPrivateKey({
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
    const probe = Buffer.from("portal key self-test");
    return verify("sha256", probe, createPublicKey(key), sign("sha256", probe, key)) ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The "ssh-rsa" public key blob (RFC 4253 §6.6) that fingerprints and authorized_keys lines are made of. */
export function sshRsaBlob(key: KeyObject): Buffer {
  const { n, e } = key.export({ format: "jwk" });
  return Buffer.concat([sshString("ssh-rsa"), sshMpint(Buffer.from(e ?? "", "base64url")), sshMpint(Buffer.from(n ?? "", "base64url"))]);
}

/** Canonical PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`): the one private format both ssh2 and node:crypto read. */
export function toPkcs1Pem(key: KeyObject): string {
  return key.export({ format: "pem", type: "pkcs1" }).toString();
}
