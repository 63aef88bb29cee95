import { generateKeyPairSync } from "node:crypto";
import { utils } from "ssh2";

export interface ClientKeyPair {
  /** PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), optionally encrypted with the passphrase. */
  privateKey: string;
  /** OpenSSH public key line, for authorized_keys or the sandbox's user list. */
  publicKey: string;
  passphrase?: string;
}

/** An RSA-2048 client key pair, the kind the payers ask partners for. */
export function generateClientKeyPair(options: { passphrase?: string; comment?: string } = {}): ClientKeyPair {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = options.passphrase
    ? privateKey.export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: options.passphrase })
    : privateKey.export({ type: "pkcs1", format: "pem" });
  const parsed = utils.parseKey(pem.toString(), options.passphrase);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new Error("generated key could not be parsed");
  const publicKey = `ssh-rsa ${key.getPublicSSH().toString("base64")} ${options.comment ?? "edi-portal"}`;
  return { privateKey: pem.toString(), publicKey, passphrase: options.passphrase };
}
