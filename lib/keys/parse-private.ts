import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { KeyError } from "./errors";
import { assertKdfWithinLimits } from "./kdf-limits";
import { findPemBlock, normalizeKeyText, type PemBlock } from "./key-text";
import { nodeTypeLabel, pemLabelKeyType } from "./key-types";
import { readOpenSshPrivateKey } from "./openssh-private";
import { readEncryptedPkcs8Kdf } from "./pkcs8-kdf";
import { enforceRsaPolicy, rejectNonRsa, type KeyPolicy } from "./policy";
import { looksLikePpk, readPpkPrivateKey } from "./ppk";
import { describeRsaPublicKey, type RsaPublicKeyInfo } from "./public-formats";
import { checkedRsaPrivateKey, rsaBits, rsaPrivateComponents, toPkcs1Pem, type RsaPrivateKeyRead } from "./rsa";

export type PrivateKeySourceFormat = "openssh" | "pkcs1" | "pkcs8" | "ppk-v2" | "ppk-v3";

export interface ParsedPrivateKey {
  /** Unencrypted PKCS#1 PEM ("BEGIN RSA PRIVATE KEY" armour): read by both ssh2 and node:crypto. Store it only in the vault. */
  privateKeyPem: string;
  privateKeyFormat: "pkcs1";
  publicKey: RsaPublicKeyInfo;
  sourceFormat: PrivateKeySourceFormat;
  /** Whether the uploaded file was passphrase-protected. */
  wasEncrypted: boolean;
}

/**
 * Reads an uploaded private key (OpenSSH, PEM PKCS#1/PKCS#8, PuTTY .ppk v2/v3; encrypted or not) and
 * returns it normalised. OpenSSH files and .ppk v2 are decrypted by ssh2, PEM by node:crypto, .ppk v3
 * by ppk-v3.ts. Key type and size are checked before the passphrase is asked for where the format
 * shows them in clear, so a partner is not made to type a passphrase for a key we will refuse. A key
 * whose passphrase protection costs more than KDF_LIMITS is refused (KDF_TOO_COSTLY) from its clear
 * header, before any key derivation runs, whatever the passphrase.
 */
export async function parsePrivateKey(text: string, passphrase: string | undefined, policy: KeyPolicy): Promise<ParsedPrivateKey> {
  const clean = normalizeKeyText(text);
  if (!clean) throw new KeyError("NOT_A_KEY");
  const pass = passphrase === "" ? undefined : passphrase;

  if (looksLikePpk(clean)) {
    const ppk = readPpkPrivateKey(clean, pass, policy);
    return result(ppk, ppk.version === 2 ? "ppk-v2" : "ppk-v3");
  }
  if (/---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----/.test(clean)) {
    throw new KeyError(
      "UNSUPPORTED_FORMAT",
      "This is an ssh.com (Tectia) private key. Convert it with: ssh-keygen -i -f yourkey > yourkey.pem, or in PuTTYgen: load it, then Conversions > Export OpenSSH key.",
    );
  }
  if (clean.includes("---- BEGIN SSH2 PUBLIC KEY ----") || /^(ssh-|ecdsa-)/m.test(clean)) {
    throw new KeyError("NOT_A_KEY", "This is a public key. Here the portal needs the matching private key file.");
  }
  const pem = findPemBlock(clean);
  if (!pem) throw new KeyError("NOT_A_KEY");
  if (pem.label === "OPENSSH PRIVATE KEY") return result(readOpenSshPrivateKey(pem, pass, policy), "openssh");
  const nonRsa = pemLabelKeyType(pem.label);
  if (nonRsa) rejectNonRsa(nonRsa, policy);
  if (pem.label === "RSA PRIVATE KEY" || pem.label === "PRIVATE KEY" || pem.label === "ENCRYPTED PRIVATE KEY") return fromPem(pem, pass, policy);
  if (/PUBLIC KEY/.test(pem.label)) throw new KeyError("NOT_A_KEY", "This is a public key. Here the portal needs the matching private key file.");
  throw new KeyError("UNSUPPORTED_FORMAT");
}

/** PEM PKCS#1 (legacy Proc-Type encryption too) and PKCS#8 (encrypted too): node:crypto reads them all. */
function fromPem(pem: PemBlock, pass: string | undefined, policy: KeyPolicy): ParsedPrivateKey {
  const encrypted = pem.label === "ENCRYPTED PRIVATE KEY" || /ENCRYPTED/.test(pem.headers["Proc-Type"] ?? "");
  // OpenSSL runs PKCS#8 key derivation synchronously, at whatever cost the file names: read it first.
  if (pem.label === "ENCRYPTED PRIVATE KEY") {
    const kdf = readEncryptedPkcs8Kdf(pem.der);
    if (!kdf) {
      throw new KeyError(
        "UNSUPPORTED_FORMAT",
        "The portal cannot tell how this encrypted PKCS#8 key is protected. Save a copy again and upload that: " +
          "cp yourkey.pem portal-key && ssh-keygen -p -f portal-key, or: openssl pkcs8 -topk8 -v2 aes-256-cbc -in yourkey.pem -out portal-key.pem",
      );
    }
    assertKdfWithinLimits(kdf);
  }
  if (encrypted && !pass) throw new KeyError("PASSPHRASE_REQUIRED");
  let key: KeyObject;
  try {
    key = createPrivateKey(encrypted ? { key: pem.text, format: "pem", passphrase: pass } : { key: pem.text, format: "pem" });
  } catch {
    throw encrypted ? new KeyError("WRONG_PASSPHRASE") : new KeyError("NOT_A_KEY");
  }
  if (key.asymmetricKeyType !== "rsa") {
    const label = nodeTypeLabel(key.asymmetricKeyType);
    if (label) rejectNonRsa(label, policy);
    throw new KeyError("UNSUPPORTED_FORMAT");
  }
  enforceRsaPolicy(rsaBits(key), policy);
  return result({ components: rsaPrivateComponents(key), comment: "", encrypted }, pem.label === "RSA PRIVATE KEY" ? "pkcs1" : "pkcs8");
}

/** The key as the vault holds it; the policy has been enforced by the format's reader. */
function result(read: RsaPrivateKeyRead, sourceFormat: PrivateKeySourceFormat): ParsedPrivateKey {
  const key = checkedRsaPrivateKey(read.components);
  // A key that does not work, or whose clear public part describes another key, is a damaged or tampered file.
  if (!key || (read.publicKey && !createPublicKey(key).equals(read.publicKey))) {
    throw new KeyError("NOT_A_KEY", "This private key file is damaged: its parts do not fit together. Upload the original file, unchanged.");
  }
  return {
    privateKeyPem: toPkcs1Pem(key),
    privateKeyFormat: "pkcs1",
    publicKey: describeRsaPublicKey(key, read.comment),
    sourceFormat,
    wasEncrypted: read.encrypted,
  };
}
