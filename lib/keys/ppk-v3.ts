import { createDecipheriv, createHmac, timingSafeEqual } from "node:crypto";
// Called through the package object (not a named import), so a test spy on it sees every Argon2 run.
import argon2, { type Algorithm, type Version } from "@node-rs/argon2";
import { KeyError } from "./errors";
import { assertKdfWithinLimits } from "./kdf-limits";
import type { PpkFile } from "./ppk";
import type { RsaPrivateComponents } from "./rsa";
import { SshReader, SshWireError, sshString } from "./ssh-wire";

/**
 * Decryption of PuTTY .ppk v3 files (PuTTY manual, appendix C): Argon2 derives the AES-256-CBC key,
 * IV and an HMAC-SHA-256 key. Ours because neither ssh2 nor node:crypto reads v3 (ssh2 stops at v2).
 */

export interface Argon2Params {
  algorithm: Algorithm;
  memoryKiB: number;
  passes: number;
  parallelism: number;
  salt: Buffer;
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

export const damagedPpk = () =>
  new KeyError("NOT_A_KEY", "This PuTTY key file (.ppk) is damaged or incomplete. Upload the original file, unchanged.");

/** The Argon2 settings of an encrypted v3 file, refused (KDF_TOO_COSTLY) when over KDF_LIMITS. */
export function readArgon2Params(fields: Record<string, string>): Argon2Params {
  const algorithm = ARGON2_ALGORITHMS[fields["Key-Derivation"] ?? ""];
  if (algorithm === undefined) throw new KeyError("UNSUPPORTED_FORMAT");
  const memoryKiB = count(fields["Argon2-Memory"]);
  const passes = count(fields["Argon2-Passes"]);
  const parallelism = count(fields["Argon2-Parallelism"]);
  const salt = Buffer.from(fields["Argon2-Salt"] ?? "", "hex");
  if (![memoryKiB, passes, parallelism].every((v) => Number.isInteger(v) && v >= 1) || salt.length < 8) throw damagedPpk();
  assertKdfWithinLimits({ kdf: "argon2", memoryKiB, passes, parallelism });
  // Argon2 itself needs 8 KiB per lane; within the limits, anything less is a damaged file.
  if (memoryKiB < 8 * parallelism) throw damagedPpk();
  return { algorithm, memoryKiB, passes, parallelism, salt };
}

/** Decrypts (when encrypted), checks the MAC and reads the RSA numbers. The caller has checked the rest of the file. */
export function decryptPpkV3(file: PpkFile, passphrase: string | undefined): RsaPrivateComponents {
  if (!file.privateBlob || !file.mac) throw damagedPpk();
  const encrypted = file.encryption !== "none";
  let plain = file.privateBlob;
  let macKey = Buffer.alloc(0);
  if (encrypted) {
    const a = file.argon2;
    if (!passphrase) throw new KeyError("PASSPHRASE_REQUIRED");
    if (!a || plain.length === 0 || plain.length % 16 !== 0) throw damagedPpk();
    // readPpk has refused costlier files already; this keeps every Argon2 call within the limits.
    assertKdfWithinLimits({ kdf: "argon2", memoryKiB: a.memoryKiB, passes: a.passes, parallelism: a.parallelism });
    // Synchronous on purpose: key work runs on a crypto worker thread of low priority (lib/workers),
    // and the async form would run on libuv's threadpool, at normal priority and shared with the
    // portal's file I/O and password hashing.
    const keys = argon2.hashRawSync(Buffer.from(passphrase, "utf8"), {
      algorithm: a.algorithm,
      version: ARGON2_VERSION_0X13,
      memoryCost: a.memoryKiB,
      timeCost: a.passes,
      parallelism: a.parallelism,
      salt: a.salt,
      outputLen: 80,
    });
    const decipher = createDecipheriv("aes-256-cbc", keys.subarray(0, 32), keys.subarray(32, 48)).setAutoPadding(false);
    plain = Buffer.concat([decipher.update(plain), decipher.final()]);
    macKey = Buffer.from(keys.subarray(48, 80));
    keys.fill(0);
  }
  const macInput = Buffer.concat([file.keyType, file.encryption, file.comment, file.publicBlob, plain].map(sshString));
  const expected = createHmac("sha256", macKey).update(macInput).digest();
  macKey.fill(0);
  try {
    if (expected.length !== file.mac.length || !timingSafeEqual(expected, file.mac)) {
      throw encrypted ? new KeyError("WRONG_PASSPHRASE") : damagedPpk();
    }
    const pub = new SshReader(file.publicBlob);
    pub.text();
    const e = pub.mpint();
    const n = pub.mpint();
    const priv = new SshReader(plain);
    return { n, e, d: priv.mpint(), p: priv.mpint(), q: priv.mpint() };
  } catch (err) {
    if (err instanceof SshWireError) throw damagedPpk();
    throw err;
  } finally {
    if (encrypted) plain.fill(0);
    macInput.fill(0);
  }
}
