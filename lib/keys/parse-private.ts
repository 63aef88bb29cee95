import { createPrivateKey, type KeyObject } from "node:crypto";
import { KeyError } from "./errors";
import { findPemBlock, normalizeKeyText } from "./key-text";
import { assertKdfWithinLimits } from "./kdf-limits";
import { nodeTypeLabel, pemLabelKeyType, sshTypeLabel } from "./key-types";
import { decryptOpenSshRsa, isEncrypted, readOpenSshEnvelope } from "./openssh-private";
import { enforceRsaPolicy, rejectNonRsa, type KeyPolicy } from "./policy";
import { readEncryptedPkcs8Kdf } from "./pkcs8-kdf";
import { decryptPpkRsa, looksLikePpk, ppkIsEncrypted, readPpk } from "./ppk";
import { describeRsaPublicKey, type RsaPublicKeyInfo } from "./public-formats";
import {
  bitLength,
  decodeRsaPublicBlob,
  privateKeyObjectFromComponents,
  publicBlobKeyType,
  rsaPrivateFromKeyObject,
  rsaPublicFromKeyObject,
  toPkcs1Pem,
  type RsaPrivateComponents,
} from "./rsa";

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
 * returns it normalised. Key type and size are checked before the passphrase is asked for where the
 * format shows them in clear, so a partner is not made to type a passphrase for a key we will refuse.
 * A key whose passphrase protection costs more than KDF_LIMITS is refused (KDF_TOO_COSTLY) while its
 * envelope is read, before any key derivation runs, whatever the passphrase.
 */
export async function parsePrivateKey(text: string, passphrase: string | undefined, policy: KeyPolicy): Promise<ParsedPrivateKey> {
  const clean = normalizeKeyText(text);
  if (!clean) throw new KeyError("NOT_A_KEY");
  const pass = passphrase === "" ? undefined : passphrase;

  if (looksLikePpk(clean)) return fromPpk(clean, pass, policy);
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
  if (pem.label === "OPENSSH PRIVATE KEY") return fromOpenSsh(pem.der, pass, policy);
  const nonRsa = pemLabelKeyType(pem.label);
  if (nonRsa) rejectNonRsa(nonRsa, policy);
  if (pem.label === "ENCRYPTED PRIVATE KEY") checkPkcs8KdfCost(pem.der);
  if (pem.label === "RSA PRIVATE KEY" || pem.label === "PRIVATE KEY" || pem.label === "ENCRYPTED PRIVATE KEY") {
    return fromNodePem(pem.label, pem.text, /ENCRYPTED/.test(pem.headers["Proc-Type"] ?? "") || pem.label === "ENCRYPTED PRIVATE KEY", pass, policy);
  }
  if (/PUBLIC KEY/.test(pem.label)) throw new KeyError("NOT_A_KEY", "This is a public key. Here the portal needs the matching private key file.");
  throw new KeyError("UNSUPPORTED_FORMAT");
}

/** OpenSSL runs PKCS#8 key derivation synchronously, at whatever cost the file names: read it first. */
function checkPkcs8KdfCost(der: Buffer): void {
  const kdf = readEncryptedPkcs8Kdf(der);
  if (!kdf) {
    throw new KeyError(
      "UNSUPPORTED_FORMAT",
      "The portal cannot tell how this encrypted PKCS#8 key is protected. Save a copy again and upload that: " +
        "cp yourkey.pem portal-key && ssh-keygen -p -f portal-key, or: openssl pkcs8 -topk8 -v2 aes-256-cbc -in yourkey.pem -out portal-key.pem",
    );
  }
  assertKdfWithinLimits(kdf);
}

function result(key: KeyObject, comment: string, sourceFormat: PrivateKeySourceFormat, wasEncrypted: boolean): ParsedPrivateKey {
  return {
    privateKeyPem: toPkcs1Pem(key),
    privateKeyFormat: "pkcs1",
    publicKey: describeRsaPublicKey(rsaPublicFromKeyObject(key), comment),
    sourceFormat,
    wasEncrypted,
  };
}

function checkPublicBlob(blob: Buffer, policy: KeyPolicy): void {
  let type: string;
  try {
    type = publicBlobKeyType(blob);
  } catch {
    throw new KeyError("NOT_A_KEY");
  }
  if (type !== "ssh-rsa") rejectNonRsa(sshTypeLabel(type) ?? "a non-RSA", policy);
  enforceRsaPolicy(bitLength(decodeRsaPublicBlob(blob).n), policy);
}

function fromComponents(c: RsaPrivateComponents, publicBlob: Buffer): KeyObject {
  const pub = decodeRsaPublicBlob(publicBlob);
  const key = privateKeyObjectFromComponents(c);
  // The clear-text public part must describe the same key, or the file was tampered with.
  if (!key || pub.n !== c.n || pub.e !== c.e) {
    throw new KeyError("NOT_A_KEY", "This private key file is damaged: its parts do not fit together. Upload the original file, unchanged.");
  }
  return key;
}

function fromOpenSsh(der: Buffer, pass: string | undefined, policy: KeyPolicy): ParsedPrivateKey {
  const env = readOpenSshEnvelope(der);
  checkPublicBlob(env.publicBlob, policy);
  const { components, comment } = decryptOpenSshRsa(env, pass);
  return result(fromComponents(components, env.publicBlob), comment, "openssh", isEncrypted(env));
}

async function fromPpk(text: string, pass: string | undefined, policy: KeyPolicy): Promise<ParsedPrivateKey> {
  const ppk = readPpk(text);
  checkPublicBlob(ppk.publicBlob, policy);
  const components = await decryptPpkRsa(ppk, pass);
  return result(fromComponents(components, ppk.publicBlob), ppk.comment, ppk.version === 2 ? "ppk-v2" : "ppk-v3", ppkIsEncrypted(ppk));
}

function fromNodePem(label: string, pemText: string, encrypted: boolean, pass: string | undefined, policy: KeyPolicy): ParsedPrivateKey {
  if (encrypted && !pass) throw new KeyError("PASSPHRASE_REQUIRED");
  let key: KeyObject;
  try {
    key = createPrivateKey(encrypted ? { key: pemText, format: "pem", passphrase: pass } : { key: pemText, format: "pem" });
  } catch {
    throw encrypted ? new KeyError("WRONG_PASSPHRASE") : new KeyError("NOT_A_KEY");
  }
  if (key.asymmetricKeyType !== "rsa") {
    const label = nodeTypeLabel(key.asymmetricKeyType);
    if (label) rejectNonRsa(label, policy);
    throw new KeyError("UNSUPPORTED_FORMAT");
  }
  enforceRsaPolicy(bitLength(rsaPublicFromKeyObject(key).n), policy);
  // node:crypto does not check that the numbers fit together; a damaged file must not become a key.
  const checked = privateKeyObjectFromComponents(rsaPrivateFromKeyObject(key));
  if (!checked) throw new KeyError("NOT_A_KEY", "This private key file is damaged: its parts do not fit together. Upload the original file, unchanged.");
  return result(checked, "", label === "RSA PRIVATE KEY" ? "pkcs1" : "pkcs8", encrypted);
}
