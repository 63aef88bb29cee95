import { KeyError } from "./errors";
import { assertKdfWithinLimits } from "./kdf-limits";
import type { PemBlock } from "./key-text";
import { enforceRsaPolicy, type KeyPolicy } from "./policy";
import { rsaBits, type RsaPrivateKeyRead } from "./rsa";
import { readPrivateKeyWithSsh2 } from "./ssh2-private";
import { rsaKeyFromSshBlob } from "./ssh-public-key";
import { SshReader, SshWireError } from "./ssh-wire";

/**
 * The new OpenSSH private key format (PROTOCOL.key in the OpenSSH sources), what ssh-keygen writes by
 * default since 7.8. ssh2 decrypts and reads it; the clear header is read here first, because ssh2
 * would run bcrypt at whatever round count the file names and would try a cipher it cannot decrypt.
 */

export const OPENSSH_MAGIC = Buffer.from("openssh-key-v1\0", "latin1");

/** What ssh2 decrypts: the AES modes ssh-keygen offers (ssh2 fails on chacha20-poly1305 even with the right passphrase). */
const CIPHERS = new Set([
  "none",
  "aes128-ctr",
  "aes192-ctr",
  "aes256-ctr",
  "aes128-cbc",
  "aes192-cbc",
  "aes256-cbc",
  "aes128-gcm@openssh.com",
  "aes256-gcm@openssh.com",
]);

export interface OpenSshEnvelope {
  cipherName: string;
  kdfName: string;
  rounds: number;
  publicBlob: Buffer;
}

export const damagedOpenSsh = () =>
  new KeyError("NOT_A_KEY", "This OpenSSH private key file is damaged or incomplete. Upload the original file, unchanged.");

/** Reads the clear header; refuses a bcrypt cost over KDF_LIMITS (KDF_TOO_COSTLY) before anything else. */
export function readOpenSshEnvelope(der: Buffer): OpenSshEnvelope {
  if (!der.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) throw damagedOpenSsh();
  try {
    const r = new SshReader(der.subarray(OPENSSH_MAGIC.length));
    const cipherName = r.text();
    const kdfName = r.text();
    const kdfOptions = new SshReader(r.string());
    if (r.uint32() !== 1) {
      throw new KeyError("UNSUPPORTED_FORMAT", "This file holds more than one private key. Upload a file with exactly one RSA key.");
    }
    const publicBlob = r.string();
    r.string(); // The private section, read by ssh2: a truncated file is refused here, before a passphrase is asked for.
    let rounds = 0;
    if (kdfName === "bcrypt") {
      kdfOptions.string(); // salt
      rounds = kdfOptions.uint32();
      if (rounds < 1) throw damagedOpenSsh();
      assertKdfWithinLimits({ kdf: "bcrypt", rounds });
    }
    return { cipherName, kdfName, rounds, publicBlob };
  } catch (err) {
    if (err instanceof SshWireError) throw damagedOpenSsh();
    throw err;
  }
}

/** `pem` is the whole "OPENSSH PRIVATE KEY" block. Checks cost, key type and size before the passphrase. */
export function readOpenSshPrivateKey(pem: PemBlock, passphrase: string | undefined, policy: KeyPolicy): RsaPrivateKeyRead {
  const env = readOpenSshEnvelope(pem.der);
  const publicKey = rsaKeyFromSshBlob(env.publicBlob, policy);
  enforceRsaPolicy(rsaBits(publicKey), policy);
  if (!CIPHERS.has(env.cipherName)) {
    throw new KeyError(
      "UNSUPPORTED_FORMAT",
      `This key is encrypted with "${env.cipherName.slice(0, 40)}", which the portal cannot read. ` +
        "Re-save it with: ssh-keygen -p -Z aes256-ctr -f yourkey",
    );
  }
  const encrypted = env.cipherName !== "none";
  if (encrypted && env.kdfName !== "bcrypt") throw new KeyError("UNSUPPORTED_FORMAT");
  if (encrypted && !passphrase) throw new KeyError("PASSPHRASE_REQUIRED");
  const read = readPrivateKeyWithSsh2(pem.text, encrypted ? passphrase : undefined, damagedOpenSsh);
  return { ...read, publicKey, encrypted };
}
