import { createPublicKey, type KeyObject } from "node:crypto";
import { KeyError } from "./errors";
import { decodeBase64Strict, findPemBlock, looksLikePrivateKey, normalizeKeyText } from "./key-text";
import { isKnownSshKeyType, nodeTypeLabel, pemLabelKeyType, sshTypeLabel } from "./key-types";
import { enforceRsaPolicy, rejectNonRsa, type KeyPolicy } from "./policy";
import { looksLikePpk, readPpk } from "./ppk";
import { describeRsaPublicKey, type RsaPublicKeyInfo } from "./public-formats";
import { bitLength, decodeRsaPublicBlob, publicBlobKeyType, rsaPublicFromKeyObject, type RsaPublicComponents } from "./rsa";

interface RawPublic {
  components: RsaPublicComponents;
  comment: string;
}

/**
 * Reads a public key in any format partners bring: OpenSSH line, RFC 4716 block, PEM SPKI,
 * PEM PKCS#1, or the public section of a PuTTY .ppk. Private keys are refused, never read.
 */
export function parsePublicKey(text: string, policy: KeyPolicy): RsaPublicKeyInfo {
  const raw = readRsaPublic(text, policy);
  enforceRsaPolicy(bitLength(raw.components.n), policy);
  return describeRsaPublicKey(raw.components, raw.comment);
}

/** The RSA numbers of a public key in any accepted format, without a size policy (used to compare keys). */
export function readRsaPublic(text: string, policy?: KeyPolicy): RawPublic {
  const clean = normalizeKeyText(text);
  if (!clean) throw new KeyError("NOT_A_KEY");
  // A full .ppk holds the private key too; it counts as a private key pasted in the wrong place.
  if (looksLikePrivateKey(clean)) throw new KeyError("PRIVATE_KEY_IN_PUBLIC_FIELD");
  if (clean.includes("---- BEGIN SSH2 PUBLIC KEY ----")) return fromBlob(readRfc4716(clean), policy);
  if (looksLikePpk(clean)) {
    const ppk = readPpk(clean);
    return fromBlob({ blob: ppk.publicBlob, comment: ppk.comment }, policy);
  }
  const pem = findPemBlock(clean);
  if (pem) return fromPem(pem.label, pem.text, policy);
  return fromBlob(readOpenSshLine(clean), policy);
}

function notRsa(label: string, policy: KeyPolicy | undefined): never {
  if (policy) rejectNonRsa(label, policy);
  throw new KeyError("KEY_NOT_RSA");
}

function fromBlob({ blob, comment }: { blob: Buffer; comment: string }, policy: KeyPolicy | undefined): RawPublic {
  let type: string;
  try {
    type = publicBlobKeyType(blob);
  } catch {
    throw new KeyError("NOT_A_KEY");
  }
  if (type !== "ssh-rsa") {
    const label = sshTypeLabel(type);
    if (label) notRsa(label, policy);
    if (type.includes("-cert-")) {
      throw new KeyError("UNSUPPORTED_FORMAT", "This is an SSH certificate, not a plain public key. Paste the plain public key (the .pub file without -cert).");
    }
    throw new KeyError("NOT_A_KEY");
  }
  let components: RsaPublicComponents;
  try {
    components = decodeRsaPublicBlob(blob);
  } catch {
    throw new KeyError("NOT_A_KEY");
  }
  if (components.e < 3n || components.e % 2n === 0n || bitLength(components.n) < 512) throw new KeyError("NOT_A_KEY");
  return { components, comment };
}

function fromPem(label: string, pemText: string, policy: KeyPolicy | undefined): RawPublic {
  if (label !== "PUBLIC KEY" && label !== "RSA PUBLIC KEY") {
    const nonRsa = pemLabelKeyType(label);
    if (nonRsa) notRsa(nonRsa, policy);
    throw new KeyError(
      "UNSUPPORTED_FORMAT",
      label === "CERTIFICATE"
        ? "This is an X.509 certificate, not an SSH public key. Paste the SSH public key (one line starting with \"ssh-rsa\")."
        : undefined,
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey(label === "RSA PUBLIC KEY" ? { key: pemText, format: "pem", type: "pkcs1" } : pemText);
  } catch {
    throw new KeyError("NOT_A_KEY");
  }
  if (key.asymmetricKeyType !== "rsa") notRsa(nodeTypeLabel(key.asymmetricKeyType) ?? "a non-RSA", policy);
  return { components: rsaPublicFromKeyObject(key), comment: "" };
}

/** RFC 4716 §3: header lines (`Name: value`, `\` continues) then base64 body. */
function readRfc4716(text: string): { blob: Buffer; comment: string } {
  const m = /---- BEGIN SSH2 PUBLIC KEY ----\n([\s\S]*?)\n?---- END SSH2 PUBLIC KEY ----/.exec(text);
  if (!m) throw new KeyError("NOT_A_KEY");
  const lines = m[1].split("\n").map((l) => l.trim());
  const headers: Record<string, string> = {};
  let i = 0;
  while (i < lines.length && /^[\x21-\x39\x3b-\x7e]{1,64}:/.test(lines[i])) {
    const name = lines[i].slice(0, lines[i].indexOf(":"));
    let value = lines[i].slice(name.length + 1).trimStart();
    while (value.endsWith("\\") && i + 1 < lines.length) value = value.slice(0, -1) + lines[++i];
    headers[name.toLowerCase()] = value;
    i++;
  }
  const blob = decodeBase64Strict(lines.slice(i).join(""));
  if (!blob) throw new KeyError("NOT_A_KEY");
  const comment = (headers["comment"] ?? "").replace(/^"(.*)"$/, "$1");
  return { blob, comment };
}

/**
 * One authorized_keys-style line: `[options] type base64 [comment]`. A line that an email client
 * broke inside the base64 is re-joined; several keys at once are refused so none is silently dropped.
 */
function readOpenSshLine(text: string): { blob: Buffer; comment: string } {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const keyLines = lines.filter((l) => l.split(/\s+/).some(isKeyTypeToken));
  if (keyLines.length > 1) {
    throw new KeyError("NOT_A_KEY", "This text holds more than one key. Paste exactly one public key.");
  }
  const tokens = lines.join("").split(/\s+/);
  const at = tokens.findIndex(isKeyTypeToken);
  const blob = at >= 0 ? decodeBase64Strict(tokens[at + 1] ?? "") : undefined;
  if (!blob) throw new KeyError("NOT_A_KEY");
  return { blob, comment: tokens.slice(at + 2).join(" ") };
}

function isKeyTypeToken(token: string): boolean {
  return isKnownSshKeyType(token) || /^[a-z0-9-]+-cert-v0[01]@openssh\.com$/.test(token);
}
