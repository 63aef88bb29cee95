import { createPrivateKey, type KeyObject } from "node:crypto";
import { KeyError } from "./errors";
import { sanitizeComment } from "./public-formats";
import { writeEncryptedOpenSshRsa } from "./openssh-private";
import { rsaPrivateFromKeyObject } from "./rsa";

/** Below this a downloaded key file is too easy to brute-force once it leaks from a laptop. */
export const MIN_EXPORT_PASSPHRASE_LENGTH = 8;

/**
 * The one-time download of a generated key: new OpenSSH format, aes256-ctr under a bcrypt-derived key
 * (what `ssh-keygen -p` writes), readable by `ssh-keygen -y -P <pass> -f file`, OpenSSH, WinSCP and PuTTYgen.
 * `pem` is an unencrypted PKCS#1 or PKCS#8 PEM as held in the vault.
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
  return writeEncryptedOpenSshRsa(rsaPrivateFromKeyObject(key), sanitizeComment(comment), passphrase);
}
