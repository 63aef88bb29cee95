import { createPublicKey, type KeyObject } from "node:crypto";
import { KeyError } from "./errors";
import { decodeBase64Strict, findPemBlock, looksLikePrivateKey, normalizeKeyText } from "./key-text";
import { isKnownSshKeyType, nodeTypeLabel, pemLabelKeyType } from "./key-types";
import { enforceRsaPolicy, rejectNonRsa, type KeyPolicy } from "./policy";
import { looksLikePpk, readPpk } from "./ppk";
import { describeRsaPublicKey, type RsaPublicKeyInfo } from "./public-formats";
import { rsaBits } from "./rsa";
import { rsaKeyFromSshBlob } from "./ssh-public-key";

/**
 * Reads a public key in any format partners bring: OpenSSH line, RFC 4716 block, PEM SPKI, PEM
 * PKCS#1, or the public section of a PuTTY .ppk. Private keys are refused, never read.
 */
export function parsePublicKey(text: string, policy: KeyPolicy): RsaPublicKeyInfo {
  const { key, comment } = readRsaPublic(text, policy);
  enforceRsaPolicy(rsaBits(key), policy);
  return describeRsaPublicKey(key, comment);
}

/**
 * The RSA key of a public key in any accepted format, without a size policy (used to compare keys).
 * PEM goes to node:crypto and SSH blobs to ssh2; the text around the blobs is read here, more
 * leniently than ssh2 would: an authorized_keys line with options or broken by an email client, and
 * RFC 4716 blocks with long header lines (PuTTYgen does not wrap its Comment) or Ed25519/ECDSA keys
 * (which ssh2's RFC 4716 reader refuses, so it could not say what they are).
 */
export function readRsaPublic(text: string, policy?: KeyPolicy): { key: KeyObject; comment: string } {
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
  if (pem) return { key: fromPem(pem.label, pem.text, policy), comment: "" };
  return fromBlob(readOpenSshLine(clean), policy);
}

function fromBlob({ blob, comment }: { blob: Buffer; comment: string }, policy: KeyPolicy | undefined): { key: KeyObject; comment: string } {
  return { key: rsaKeyFromSshBlob(blob, policy), comment };
}

function fromPem(label: string, pemText: string, policy: KeyPolicy | undefined): KeyObject {
  if (label !== "PUBLIC KEY" && label !== "RSA PUBLIC KEY") {
    const nonRsa = pemLabelKeyType(label);
    if (nonRsa) rejectNonRsa(nonRsa, policy);
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
  if (key.asymmetricKeyType !== "rsa") rejectNonRsa(nodeTypeLabel(key.asymmetricKeyType) ?? "a non-RSA", policy);
  return key;
}

/** RFC 4716 §3: header lines (`Name: value`, a trailing `\` continues) then the base64 body. */
function readRfc4716(text: string): { blob: Buffer; comment: string } {
  const m = /---- BEGIN SSH2 PUBLIC KEY ----\n([\s\S]*?)\n?---- END SSH2 PUBLIC KEY ----/.exec(text);
  if (!m) throw new KeyError("NOT_A_KEY");
  const lines = m[1].split("\n").map((l) => l.trim());
  let comment = "";
  let i = 0;
  while (i < lines.length && /^[\x21-\x39\x3b-\x7e]{1,64}:/.test(lines[i])) {
    const name = lines[i].slice(0, lines[i].indexOf(":"));
    let value = lines[i].slice(name.length + 1).trimStart();
    while (value.endsWith("\\") && i + 1 < lines.length) value = value.slice(0, -1) + lines[++i];
    if (name.toLowerCase() === "comment") comment = value.replace(/^"(.*)"$/, "$1");
    i++;
  }
  const blob = decodeBase64Strict(lines.slice(i).join(""));
  if (!blob) throw new KeyError("NOT_A_KEY");
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
