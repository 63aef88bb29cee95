/**
 * Diffie-Hellman group exchange (diffie-hellman-group-exchange-sha1/-sha256) as OpenSSH does it.
 *
 * Why this exists: ssh2 (1.x, lib/protocol/kex.js, DHGroupExchange.generateKeys) hands the server's
 * prime to `crypto.createDiffieHellman(prime, generator)`. Node's constructor runs OpenSSL's
 * DH_check on it, a primality proof of the group: 0.3 s for 2048 bits, 6.6 s for 4096, ~54 s for
 * the 8192-bit groups OpenSSH servers hand out for aes256 — synchronously, freezing the event loop.
 * It then draws a private exponent as long as the prime. OpenSSH's client does no primality proof
 * (the group comes from the server it is authenticating in the same exchange) and uses a short
 * exponent: twice the bits of the strongest key it needs, at least 512 (dh.c, dh_gen_key). Known
 * upstream: mscdex/ssh2 issues 1386, 1031 and 927.
 *
 * The override is narrow: only kex.js's own `require("crypto")` is answered with a copy of
 * node:crypto whose createDiffieHellman builds the object below; kex.js calls that function only in
 * the group-exchange path (fixed groups use createDiffieHellmanGroup, which is untouched), and
 * nothing else in the process sees a difference. It is installed by a module-loader hook before
 * ssh2 is first loaded (the protocol worker threads do it first thing), so it needs no install
 * script and survives `npm ci`. `test/sftp-group-exchange.test.ts` checks kex.js still calls the
 * function this way, so an ssh2 upgrade that changes it fails the suite instead of silently
 * bringing the 50-second stall back.
 *
 * The maths runs in OpenSSL: our short private value is imported as a PKCS#8 DH key (OpenSSL
 * computes g^x mod p on import, ~15 ms at 8192 bits), and the shared secret comes from
 * crypto.diffieHellman (~15 ms) — no BigInt arithmetic of our own.
 */
import crypto from "node:crypto";
import Module from "node:module";
import path from "node:path";

/** 2 × 256 bits: the strongest key any negotiable cipher or MAC needs is 256 bits (aes256, hmac-sha2-256). */
export const GEX_PRIVATE_EXPONENT_BITS = 512;

const DH_KEY_AGREEMENT_OID = Buffer.from("06092a864886f70d010301", "hex"); // 1.2.840.113549.1.3.1

const stats = { exchanges: 0, lastGroupBits: 0, lastExponentBits: 0 };
/** Group exchanges that went through this module in this thread (tests assert the hook works). */
export function groupExchangeStats(): { installed: boolean; exchanges: number; lastGroupBits: number; lastExponentBits: number } {
  return { installed, ...stats };
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
const derSequence = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
function derInteger(unsigned: Buffer): Buffer {
  const value = stripLeadingZeros(unsigned);
  return tlv(0x02, value[0] & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
}

function stripLeadingZeros(buf: Buffer): Buffer {
  let i = 0;
  while (i < buf.length - 1 && buf[i] === 0) i++;
  return buf.subarray(i);
}

/** Reads one DER element at `offset`: its tag, content and the offset after it. */
function readDer(buf: Buffer, offset: number): { tag: number; content: Buffer; end: number } {
  const tag = buf[offset];
  let length = buf[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[start + i];
    start += count;
  }
  if (start + length > buf.length) throw new Error("truncated DER");
  return { tag, content: buf.subarray(start, start + length), end: start + length };
}

function bitLength(unsigned: Buffer): number {
  const value = stripLeadingZeros(unsigned);
  return value.length * 8 - (Math.clz32(value[0]) - 24);
}

function compareUnsigned(a: Buffer, b: Buffer): number {
  const x = stripLeadingZeros(a);
  const y = stripLeadingZeros(b);
  if (x.length !== y.length) return x.length - y.length;
  return Buffer.compare(x, y);
}

/**
 * The subset of node:crypto's DiffieHellman that ssh2's DHGroupExchange uses: generateKeys,
 * computeSecret, getPrime, getGenerator (the latter two feed the exchange hash).
 */
export class ShortExponentDiffieHellman {
  private readonly prime: Buffer;
  private readonly generator: Buffer;
  private readonly parameters: Buffer;
  private privateKey?: crypto.KeyObject;
  private publicValue?: Buffer;

  constructor(prime: Buffer, generator: Buffer) {
    this.prime = Buffer.from(stripLeadingZeros(prime));
    this.generator = Buffer.from(stripLeadingZeros(generator));
    const one = Buffer.from([1]);
    const primeMinusOne = Buffer.from(this.prime);
    primeMinusOne[primeMinusOne.length - 1] -= 1; // p is odd: no borrow
    if (!(this.prime[this.prime.length - 1] & 1) || compareUnsigned(this.generator, one) <= 0 || compareUnsigned(this.generator, primeMinusOne) >= 0) {
      throw new Error("The server sent an invalid Diffie-Hellman group (even modulus or generator out of range).");
    }
    this.parameters = derSequence(DH_KEY_AGREEMENT_OID, derSequence(derInteger(this.prime), derInteger(this.generator)));
    stats.exchanges += 1;
    stats.lastGroupBits = bitLength(this.prime);
  }

  generateKeys(): Buffer {
    if (this.publicValue) return this.publicValue;
    const bits = Math.min(GEX_PRIVATE_EXPONENT_BITS, bitLength(this.prime) - 1);
    stats.lastExponentBits = bits;
    const exponent = crypto.randomBytes(Math.ceil(bits / 8));
    const excess = exponent.length * 8 - bits;
    exponent[0] &= 0xff >> excess;
    exponent[0] |= 0x80 >> excess; // full length, never 0 or 1
    const pkcs8 = derSequence(derInteger(Buffer.from([0])), this.parameters, tlv(0x04, derInteger(exponent)));
    exponent.fill(0);
    this.privateKey = crypto.createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
    pkcs8.fill(0);
    // SubjectPublicKeyInfo { algorithm, BIT STRING { 0x00, INTEGER y } }
    const spki = crypto.createPublicKey(this.privateKey).export({ format: "der", type: "spki" });
    const outer = readDer(spki, 0);
    const algorithm = readDer(outer.content, 0);
    const bitString = readDer(outer.content, algorithm.end);
    const y = readDer(bitString.content, 1);
    this.publicValue = Buffer.from(stripLeadingZeros(y.content));
    return this.publicValue;
  }

  computeSecret(otherPublicKey: Buffer): Buffer {
    this.generateKeys();
    // OpenSSH's dh_pub_is_valid: 1 < f < p - 1 (the peer check in OpenSSL covers the rest).
    const primeMinusOne = Buffer.from(this.prime);
    primeMinusOne[primeMinusOne.length - 1] -= 1;
    if (compareUnsigned(otherPublicKey, Buffer.from([1])) <= 0 || compareUnsigned(otherPublicKey, primeMinusOne) >= 0) {
      throw new Error("The server's Diffie-Hellman public value is out of range.");
    }
    const peer = crypto.createPublicKey({
      key: derSequence(this.parameters, tlv(0x03, Buffer.concat([Buffer.from([0]), derInteger(otherPublicKey)]))),
      format: "der",
      type: "spki",
    });
    return crypto.diffieHellman({ privateKey: this.privateKey!, publicKey: peer });
  }

  getPrime(): Buffer {
    return this.prime;
  }

  getGenerator(): Buffer {
    return this.generator;
  }
}

/** node:crypto with only createDiffieHellman(prime, generator) replaced: what kex.js gets. */
function cryptoForSsh2Kex(): typeof crypto {
  const replacement = (prime: unknown, generator: unknown, ...rest: unknown[]) => {
    if (Buffer.isBuffer(prime) && Buffer.isBuffer(generator) && rest.length === 0) return new ShortExponentDiffieHellman(prime, generator);
    return (crypto.createDiffieHellman as (...args: unknown[]) => crypto.DiffieHellman)(prime, generator, ...rest);
  };
  return { ...crypto, createDiffieHellman: replacement } as unknown as typeof crypto;
}

const KEX_MODULE = path.join("ssh2", "lib", "protocol", "kex.js");
let installed = false;

/**
 * Answers ssh2's kex.js `require("crypto")` with cryptoForSsh2Kex(). Must run before ssh2 is
 * loaded in this thread; returns false (and changes nothing) when kex.js is already loaded.
 */
export function installFastGroupExchange(): boolean {
  if (installed) return true;
  const cached = Object.keys(require.cache).some((file) => file.endsWith(KEX_MODULE));
  if (cached) return false;
  const loader = Module as unknown as { _load: (request: string, parent: { filename?: string } | null | undefined, isMain: boolean) => unknown };
  const originalLoad = loader._load;
  const patched = cryptoForSsh2Kex();
  loader._load = function loadWithFastGroupExchange(request, parent, isMain) {
    if ((request === "crypto" || request === "node:crypto") && parent?.filename?.endsWith(KEX_MODULE)) return patched;
    return originalLoad.call(this, request, parent, isMain);
  };
  installed = true;
  return true;
}

