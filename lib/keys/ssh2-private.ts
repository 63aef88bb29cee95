import { createPrivateKey } from "node:crypto";
import { utils as ssh2 } from "ssh2";
import { KeyError } from "./errors";
import { rsaPrivateComponents, type RsaPrivateComponents } from "./rsa";

/**
 * Decrypts and reads an OpenSSH private key or a PuTTY .ppk v2 with ssh2. The caller has read the clear
 * parts itself and refused what must not reach ssh2: a costly KDF (ssh2 runs bcrypt at any round
 * count), a cipher ssh2 cannot decrypt, a key that is not RSA or not the size wanted, a missing
 * passphrase. It passes a passphrase only for an encrypted file: ssh2 would key a .ppk v2's MAC with it
 * even when the file is not encrypted, and call the file damaged.
 *
 * ssh2 reports failures as messages only; those of a wrong passphrase (ssh2's "bad passphrase?" after
 * its check words or MAC fail, OpenSSL's for a failed AES-GCM tag) are recognised, anything else is
 * damage. test/keys-errors.test.ts fails if ssh2 renames them.
 */
export function readPrivateKeyWithSsh2(
  text: string,
  passphrase: string | undefined,
  damaged: () => KeyError,
): { components: RsaPrivateComponents; comment: string } {
  const parsed = ssh2.parseKey(text, passphrase);
  if (parsed instanceof Error) {
    if (passphrase !== undefined && /bad passphrase|unable to authenticate data/i.test(parsed.message)) throw new KeyError("WRONG_PASSPHRASE");
    throw damaged();
  }
  if (parsed.type !== "ssh-rsa" || !parsed.isPrivateKey()) throw damaged();
  try {
    return { components: rsaPrivateComponents(createPrivateKey(parsed.getPrivatePEM())), comment: parsed.comment };
  } catch {
    throw damaged();
  }
}
