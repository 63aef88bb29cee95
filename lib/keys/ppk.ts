import { KeyError } from "./errors";
import { enforceRsaPolicy, type KeyPolicy } from "./policy";
import { damagedPpk, decryptPpkV3, readArgon2Params, type Argon2Params } from "./ppk-v3";
import { rsaBits, type RsaPrivateKeyRead } from "./rsa";
import { readPrivateKeyWithSsh2 } from "./ssh2-private";
import { rsaKeyFromSshBlob } from "./ssh-public-key";

/**
 * PuTTY's .ppk files (PuTTY manual, appendix C "PPK file format"). The text layout is read here, for
 * the public key alone (a pasted public section) and for what must be checked before a passphrase is
 * asked for or tried: key type, size, and v3's Argon2 cost. ssh2 decrypts v2 files; it does not read
 * v3, which ppk-v3.ts decrypts.
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
  argon2?: Argon2Params;
  /** The file from its first line, for ssh2. */
  text: string;
}

export function looksLikePpk(text: string): boolean {
  return /^PuTTY-User-Key-File-\d+:/m.test(text);
}

/** Parses the text layout; the Argon2 cost is checked here (KDF_TOO_COSTLY), before a passphrase is asked for or tried. */
export function readPpk(text: string): PpkFile {
  const from = text.slice(text.search(/^PuTTY-User-Key-File-/m));
  const lines = from.split("\n").map((l) => l.trimEnd());
  const fields: Record<string, string> = {};
  const blocks: Record<string, string> = {};
  for (let i = 0; i < lines.length; ) {
    const m = /^([A-Za-z0-9-]+): ?(.*)$/.exec(lines[i++]);
    if (!m) continue;
    const [, name, value] = m;
    if (name === "Public-Lines" || name === "Private-Lines") {
      const count = Number(value);
      if (!Number.isInteger(count) || count < 0 || count > 1000 || i + count > lines.length) throw damagedPpk();
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
  if (blocks["Public-Lines"] === undefined) throw damagedPpk();
  const file: PpkFile = {
    version,
    keyType: fields[header!],
    encryption: fields["Encryption"] ?? "",
    comment: fields["Comment"] ?? "",
    publicBlob: Buffer.from(blocks["Public-Lines"], "base64"),
    text: from,
  };
  if (blocks["Private-Lines"] !== undefined) {
    file.privateBlob = Buffer.from(blocks["Private-Lines"], "base64");
    file.mac = Buffer.from(fields["Private-MAC"] ?? "", "hex");
    if (version === 3 && file.encryption !== "none") file.argon2 = readArgon2Params(fields);
  }
  return file;
}

export function readPpkPrivateKey(text: string, passphrase: string | undefined, policy: KeyPolicy): RsaPrivateKeyRead & { version: 2 | 3 } {
  const file = readPpk(text);
  const publicKey = rsaKeyFromSshBlob(file.publicBlob, policy);
  enforceRsaPolicy(rsaBits(publicKey), policy);
  if (!file.privateBlob || !file.mac) throw damagedPpk();
  const encrypted = file.encryption !== "none";
  if (encrypted && file.encryption !== "aes256-cbc") throw new KeyError("UNSUPPORTED_FORMAT");
  if (encrypted && !passphrase) throw new KeyError("PASSPHRASE_REQUIRED");
  const pass = encrypted ? passphrase : undefined;
  const read =
    file.version === 2
      ? readPrivateKeyWithSsh2(file.text, pass, damagedPpk)
      : { components: decryptPpkV3(file, pass), comment: file.comment };
  return { ...read, publicKey, encrypted, version: file.version };
}
