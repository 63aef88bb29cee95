import { createCipheriv, createDecipheriv, randomBytes, type DecipherGCM } from "node:crypto";
import { pbkdf as bcryptPbkdf } from "bcrypt-pbkdf";
import { KeyError } from "./errors";
import { assertKdfWithinLimits, KDF_DEFAULTS } from "./kdf-limits";
import { type RsaPrivateComponents, encodeRsaPublicBlob, modInverse } from "./rsa";
import { SshReader, SshWireError, SshWriter } from "./ssh-wire";

/**
 * The "new" OpenSSH private key format (PROTOCOL.key in the OpenSSH sources): what `ssh-keygen` writes
 * by default since 7.8. Hand-rolled because node:crypto does not read it and ssh2 cannot write it.
 */

const MAGIC = Buffer.from("openssh-key-v1\0", "latin1");

interface CipherSpec {
  node: string;
  keyLen: number;
  ivLen: number;
  blockSize: number;
  tagLen: number;
}

const CIPHERS: Record<string, CipherSpec> = {
  none: { node: "", keyLen: 0, ivLen: 0, blockSize: 8, tagLen: 0 },
  "aes128-ctr": { node: "aes-128-ctr", keyLen: 16, ivLen: 16, blockSize: 16, tagLen: 0 },
  "aes192-ctr": { node: "aes-192-ctr", keyLen: 24, ivLen: 16, blockSize: 16, tagLen: 0 },
  "aes256-ctr": { node: "aes-256-ctr", keyLen: 32, ivLen: 16, blockSize: 16, tagLen: 0 },
  "aes128-cbc": { node: "aes-128-cbc", keyLen: 16, ivLen: 16, blockSize: 16, tagLen: 0 },
  "aes192-cbc": { node: "aes-192-cbc", keyLen: 24, ivLen: 16, blockSize: 16, tagLen: 0 },
  "aes256-cbc": { node: "aes-256-cbc", keyLen: 32, ivLen: 16, blockSize: 16, tagLen: 0 },
  "aes128-gcm@openssh.com": { node: "aes-128-gcm", keyLen: 16, ivLen: 12, blockSize: 16, tagLen: 16 },
  "aes256-gcm@openssh.com": { node: "aes-256-gcm", keyLen: 32, ivLen: 12, blockSize: 16, tagLen: 16 },
};

/** ssh-keygen's default, well within KDF_LIMITS.bcryptRounds: what our own downloads use. */
const DEFAULT_ROUNDS = KDF_DEFAULTS.sshKeygenBcryptRounds;

export interface OpenSshEnvelope {
  cipherName: string;
  kdfName: string;
  salt: Buffer;
  rounds: number;
  publicBlob: Buffer;
  encrypted: Buffer;
  tag: Buffer;
}

export const isEncrypted = (env: OpenSshEnvelope) => env.cipherName !== "none";

const damaged = () => new KeyError("NOT_A_KEY", "This OpenSSH private key file is damaged or incomplete. Upload the original file, unchanged.");

/**
 * Reads the unencrypted outer layer: cipher, KDF and the public key, which need no passphrase. The
 * bcrypt cost is checked here (KDF_TOO_COSTLY), before a passphrase is asked for or tried.
 */
export function readOpenSshEnvelope(der: Buffer): OpenSshEnvelope {
  if (!der.subarray(0, MAGIC.length).equals(MAGIC)) throw damaged();
  try {
    const r = new SshReader(der.subarray(MAGIC.length));
    const cipherName = r.text();
    const kdfName = r.text();
    const kdfOptions = new SshReader(r.string());
    const count = r.uint32();
    if (count !== 1) {
      throw new KeyError("UNSUPPORTED_FORMAT", "This file holds more than one private key. Upload a file with exactly one RSA key.");
    }
    const publicBlob = r.string();
    const encrypted = r.string();
    const spec = CIPHERS[cipherName];
    const tag = spec ? r.bytes(spec.tagLen) : Buffer.alloc(0);
    let salt: Buffer = Buffer.alloc(0);
    let rounds = 0;
    if (kdfName === "bcrypt") {
      salt = kdfOptions.string();
      rounds = kdfOptions.uint32();
      if (rounds < 1) throw damaged();
      assertKdfWithinLimits({ kdf: "bcrypt", rounds });
    }
    return { cipherName, kdfName, salt, rounds, publicBlob, encrypted, tag };
  } catch (err) {
    if (err instanceof SshWireError) throw damaged();
    throw err;
  }
}

function deriveKeyIv(passphrase: string, salt: Buffer, rounds: number, spec: CipherSpec): { key: Buffer; iv: Buffer } {
  // readOpenSshEnvelope has refused costlier files already; this keeps every bcrypt call within the limit.
  assertKdfWithinLimits({ kdf: "bcrypt", rounds });
  const pass = Buffer.from(passphrase, "utf8");
  const out = Buffer.alloc(spec.keyLen + spec.ivLen);
  if (bcryptPbkdf(pass, pass.length, salt, salt.length, out, out.length, rounds) !== 0) throw damaged();
  return { key: out.subarray(0, spec.keyLen), iv: out.subarray(spec.keyLen) };
}

function decryptSection(env: OpenSshEnvelope, passphrase: string | undefined): Buffer {
  const spec = CIPHERS[env.cipherName];
  if (!spec) {
    throw new KeyError(
      "UNSUPPORTED_FORMAT",
      `This key is encrypted with "${env.cipherName.slice(0, 40)}", which the portal cannot read. ` +
        "Re-save it with: ssh-keygen -p -Z aes256-ctr -f yourkey",
    );
  }
  if (!isEncrypted(env)) return env.encrypted;
  if (env.kdfName !== "bcrypt") throw new KeyError("UNSUPPORTED_FORMAT");
  if (!passphrase) throw new KeyError("PASSPHRASE_REQUIRED");
  if (env.encrypted.length % spec.blockSize !== 0) throw damaged();
  const { key, iv } = deriveKeyIv(passphrase, env.salt, env.rounds, spec);
  const decipher = createDecipheriv(spec.node, key, iv);
  decipher.setAutoPadding(false);
  if (spec.tagLen) (decipher as DecipherGCM).setAuthTag(env.tag);
  try {
    return Buffer.concat([decipher.update(env.encrypted), decipher.final()]);
  } catch {
    // Only the AEAD ciphers fail here; a wrong passphrase is their only plausible cause.
    throw new KeyError("WRONG_PASSPHRASE");
  } finally {
    key.fill(0);
  }
}

/** Decrypts and reads the private RSA key. The caller has already checked the public blob is RSA. */
export function decryptOpenSshRsa(env: OpenSshEnvelope, passphrase: string | undefined): { components: RsaPrivateComponents; comment: string } {
  const plain = decryptSection(env, passphrase);
  try {
    const r = new SshReader(plain);
    // Two equal random words: OpenSSH's own check that the passphrase was right.
    if (r.uint32() !== r.uint32()) throw isEncrypted(env) ? new KeyError("WRONG_PASSPHRASE") : damaged();
    if (r.text() !== "ssh-rsa") throw damaged();
    const n = r.mpint();
    const e = r.mpint();
    const d = r.mpint();
    r.mpint(); // iqmp: recomputed from p and q rather than trusted
    const p = r.mpint();
    const q = r.mpint();
    const comment = r.text();
    return { components: { n, e, d, p, q }, comment };
  } catch (err) {
    if (err instanceof SshWireError) throw isEncrypted(env) ? new KeyError("WRONG_PASSPHRASE") : damaged();
    throw err;
  } finally {
    plain.fill(0);
  }
}

function wrapPem(label: string, der: Buffer): string {
  const body = der.toString("base64").match(/.{1,70}/g)!.join("\n");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** Writes the key as ssh-keygen would with a passphrase: aes256-ctr, bcrypt KDF, 16-byte salt. */
export function writeEncryptedOpenSshRsa(c: RsaPrivateComponents, comment: string, passphrase: string, rounds = DEFAULT_ROUNDS): string {
  const cipherName = "aes256-ctr";
  const spec = CIPHERS[cipherName];
  const salt = randomBytes(16);
  const check = randomBytes(4);
  const iqmp = modInverse(c.q, c.p);
  const priv = new SshWriter()
    .raw(check)
    .raw(check)
    .string("ssh-rsa")
    .mpint(c.n)
    .mpint(c.e)
    .mpint(c.d)
    .mpint(iqmp)
    .mpint(c.p)
    .mpint(c.q)
    .string(comment)
    .toBuffer();
  const padLen = (spec.blockSize - (priv.length % spec.blockSize)) % spec.blockSize;
  const padded = Buffer.concat([priv, Buffer.from(Array.from({ length: padLen }, (_, i) => i + 1))]);
  const { key, iv } = deriveKeyIv(passphrase, salt, rounds, spec);
  const cipher = createCipheriv(spec.node, key, iv);
  const encrypted = Buffer.concat([cipher.update(padded), cipher.final()]);
  key.fill(0);
  padded.fill(0);
  priv.fill(0);
  const der = Buffer.concat([
    MAGIC,
    new SshWriter()
      .string(cipherName)
      .string("bcrypt")
      .string(new SshWriter().string(salt).uint32(rounds).toBuffer())
      .uint32(1)
      .string(encodeRsaPublicBlob(c))
      .string(encrypted)
      .toBuffer(),
  ]);
  return wrapPem("OPENSSH PRIVATE KEY", der);
}
