import { createDecipheriv, createHash, createHmac, timingSafeEqual } from "node:crypto";
import { hashRawSync, type Algorithm, type Version } from "@node-rs/argon2";
import { KeyError } from "./errors";
import { assertKdfWithinLimits } from "./kdf-limits";
import type { RsaPrivateComponents } from "./rsa";
import { SshReader, SshWireError, SshWriter } from "./ssh-wire";

/**
 * PuTTY's .ppk format, versions 2 and 3 (PuTTY manual, appendix C "PPK file format").
 * v2: AES-256-CBC keyed by SHA-1 of the passphrase, HMAC-SHA-1 over the key.
 * v3: Argon2 (id, i or d) derives cipher key, IV and an HMAC-SHA-256 key.
 */

export interface PpkFile {
  version: 2 | 3;
  keyType: string;
  encryption: string;
  comment: string;
  publicBlob: Buffer;
  /** Absent when only the public part was pasted. */
  privateBlob?: Buffer;
  mac?: Buffer;
  argon2?: { algorithm: Algorithm; memoryKiB: number; passes: number; parallelism: number; salt: Buffer };
}

// @node-rs/argon2 declares these as `const enum`, which isolatedModules cannot read, hence the literals.
const ARGON2_ALGORITHMS: Record<string, Algorithm> = {
  Argon2d: 0 as Algorithm,
  Argon2i: 1 as Algorithm,
  Argon2id: 2 as Algorithm,
};
const ARGON2_VERSION_0X13 = 1 as Version;

/** A decimal count as PuTTY writes it; anything else is a damaged file (NaN). Huge values stay huge, to be refused as too costly. */
const count = (value: string | undefined) => (value !== undefined && /^[0-9]{1,30}$/.test(value) ? Number(value) : NaN);

const damaged = () =>
  new KeyError("NOT_A_KEY", "This PuTTY key file (.ppk) is damaged or incomplete. Upload the original file, unchanged.");

export function looksLikePpk(text: string): boolean {
  return /^PuTTY-User-Key-File-\d+:/m.test(text);
}

/**
 * Parses the text layout; decryption is a separate step so the key type can be checked first. The
 * Argon2 cost is checked here (KDF_TOO_COSTLY), before a passphrase is asked for or tried.
 */
export function readPpk(text: string): PpkFile {
  const lines = text.slice(text.search(/^PuTTY-User-Key-File-/m)).split("\n").map((l) => l.trimEnd());
  const fields: Record<string, string> = {};
  const blocks: Record<string, string> = {};
  let i = 0;
  while (i < lines.length) {
    const m = /^([A-Za-z0-9-]+): ?(.*)$/.exec(lines[i]);
    if (!m) {
      i++;
      continue;
    }
    const [, name, value] = m;
    i++;
    if (name === "Public-Lines" || name === "Private-Lines") {
      const count = Number(value);
      if (!Number.isInteger(count) || count < 0 || count > 1000 || i + count > lines.length) throw damaged();
      blocks[name] = lines.slice(i, i + count).join("");
      i += count;
    } else if (!(name in fields)) {
      fields[name] = value;
    }
  }
  const header = Object.keys(fields).find((k) => k.startsWith("PuTTY-User-Key-File-"));
  const version = header ? Number(header.slice("PuTTY-User-Key-File-".length)) : NaN;
  if (version !== 2 && version !== 3) {
    throw new KeyError("UNSUPPORTED_FORMAT", "This PuTTY key file is in an old format. Open it in a current PuTTYgen and save it again.");
  }
  if (blocks["Public-Lines"] === undefined) throw damaged();
  const file: PpkFile = {
    version,
    keyType: fields[header!],
    encryption: fields["Encryption"] ?? "",
    comment: fields["Comment"] ?? "",
    publicBlob: Buffer.from(blocks["Public-Lines"], "base64"),
  };
  if (blocks["Private-Lines"] !== undefined) {
    file.privateBlob = Buffer.from(blocks["Private-Lines"], "base64");
    file.mac = Buffer.from(fields["Private-MAC"] ?? "", "hex");
  }
  if (version === 3 && file.encryption !== "none" && file.privateBlob) {
    const algorithm = ARGON2_ALGORITHMS[fields["Key-Derivation"] ?? ""];
    if (algorithm === undefined) throw new KeyError("UNSUPPORTED_FORMAT");
    const argon2 = {
      algorithm,
      memoryKiB: count(fields["Argon2-Memory"]),
      passes: count(fields["Argon2-Passes"]),
      parallelism: count(fields["Argon2-Parallelism"]),
      salt: Buffer.from(fields["Argon2-Salt"] ?? "", "hex"),
    };
    const { memoryKiB, passes, parallelism } = argon2;
    if (![memoryKiB, passes, parallelism].every((v) => Number.isInteger(v) && v >= 1) || argon2.salt.length < 8) throw damaged();
    assertKdfWithinLimits({ kdf: "argon2", memoryKiB, passes, parallelism });
    // Argon2 itself needs 8 KiB per lane; within the limits, anything less is a damaged file.
    if (memoryKiB < 8 * parallelism) throw damaged();
    file.argon2 = argon2;
  }
  return file;
}

interface DerivedKeys {
  cipherKey: Buffer;
  iv: Buffer;
  macKey: Buffer;
}

async function deriveKeys(file: PpkFile, passphrase: string): Promise<DerivedKeys> {
  const pass = Buffer.from(passphrase, "utf8");
  if (file.version === 2) {
    const cipherKey = Buffer.concat([0, 1].map((n) => createHash("sha1").update(new SshWriter().uint32(n).toBuffer()).update(pass).digest())).subarray(0, 32);
    const macKey = createHash("sha1").update("putty-private-key-file-mac-key").update(pass).digest();
    return { cipherKey, iv: Buffer.alloc(16), macKey };
  }
  if (file.encryption === "none") return { cipherKey: Buffer.alloc(0), iv: Buffer.alloc(0), macKey: Buffer.alloc(0) };
  const a = file.argon2;
  if (!a) throw damaged();
  // readPpk has refused costlier files already; this keeps every Argon2 call within the limits.
  assertKdfWithinLimits({ kdf: "argon2", memoryKiB: a.memoryKiB, passes: a.passes, parallelism: a.parallelism });
  // Synchronous on purpose: key work runs on a crypto worker thread of low priority (lib/workers),
  // and the async form would run on libuv's threadpool, at normal priority and shared with the
  // portal's file I/O and password hashing.
  const out = hashRawSync(pass, {
    algorithm: a.algorithm,
    version: ARGON2_VERSION_0X13,
    memoryCost: a.memoryKiB,
    timeCost: a.passes,
    parallelism: a.parallelism,
    salt: a.salt,
    outputLen: 80,
  });
  return { cipherKey: out.subarray(0, 32), iv: out.subarray(32, 48), macKey: out.subarray(48, 80) };
}

function macInput(file: PpkFile, privatePlain: Buffer): Buffer {
  return new SshWriter()
    .string(file.keyType)
    .string(file.encryption)
    .string(file.comment)
    .string(file.publicBlob)
    .string(privatePlain)
    .toBuffer();
}

export const ppkIsEncrypted = (file: PpkFile) => file.encryption !== "none";

/** Decrypts, checks the MAC and reads the RSA private values. */
export async function decryptPpkRsa(file: PpkFile, passphrase: string | undefined): Promise<RsaPrivateComponents> {
  if (!file.privateBlob || !file.mac) throw damaged();
  const encrypted = ppkIsEncrypted(file);
  if (encrypted && file.encryption !== "aes256-cbc") throw new KeyError("UNSUPPORTED_FORMAT");
  if (encrypted && !passphrase) throw new KeyError("PASSPHRASE_REQUIRED");
  const keys = await deriveKeys(file, encrypted ? passphrase! : "");
  let plain = file.privateBlob;
  if (encrypted) {
    if (plain.length === 0 || plain.length % 16 !== 0) throw damaged();
    const decipher = createDecipheriv("aes-256-cbc", keys.cipherKey, keys.iv);
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(plain), decipher.final()]);
  }
  const expected = createHmac(file.version === 2 ? "sha1" : "sha256", keys.macKey).update(macInput(file, plain)).digest();
  keys.cipherKey.fill(0);
  keys.macKey.fill(0);
  if (expected.length !== file.mac.length || !timingSafeEqual(expected, file.mac)) {
    throw encrypted ? new KeyError("WRONG_PASSPHRASE") : damaged();
  }
  try {
    const pub = new SshReader(file.publicBlob);
    pub.text();
    const e = pub.mpint();
    const n = pub.mpint();
    const r = new SshReader(plain);
    const d = r.mpint();
    const p = r.mpint();
    const q = r.mpint();
    return { n, e, d, p, q };
  } catch (err) {
    if (err instanceof SshWireError) throw damaged();
    throw err;
  } finally {
    if (encrypted) plain.fill(0);
  }
}
