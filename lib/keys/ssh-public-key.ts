import { createPublicKey, type KeyObject } from "node:crypto";
import { utils as ssh2 } from "ssh2";
import { KeyError } from "./errors";
import { sshTypeLabel } from "./key-types";
import { rejectNonRsa, type KeyPolicy } from "./policy";
import { SshReader } from "./ssh-wire";

/**
 * An SSH public key blob (RFC 4253 §6.6: from an OpenSSH line, an RFC 4716 block, a .ppk, or the clear
 * header of an OpenSSH private key) as an RSA node:crypto key. ssh2 reads the blob; only the type name
 * is read here first, so keys ssh2 does not know (security keys, Ed448) and certificates, which ssh2
 * would take for plain keys, are refused by name.
 */
export function rsaKeyFromSshBlob(blob: Buffer, policy?: KeyPolicy): KeyObject {
  const type = blobKeyType(blob);
  if (type?.includes("-cert-")) {
    throw new KeyError("UNSUPPORTED_FORMAT", "This is an SSH certificate, not a plain public key. Paste the plain public key (the .pub file without -cert).");
  }
  if (type !== "ssh-rsa") {
    const label = type && sshTypeLabel(type);
    if (label) rejectNonRsa(label, policy);
    throw new KeyError("NOT_A_KEY");
  }
  // ssh2 reads blobs in its documented text form, an OpenSSH line; it returns errors rather than throwing.
  const parsed = ssh2.parseKey(`ssh-rsa ${blob.toString("base64")}`);
  let key: KeyObject;
  try {
    if (parsed instanceof Error) throw parsed;
    key = createPublicKey(parsed.getPublicPEM());
  } catch {
    throw new KeyError("NOT_A_KEY");
  }
  const { modulusLength = 0, publicExponent = 0n } = key.asymmetricKeyDetails ?? {};
  if (publicExponent < 3n || publicExponent % 2n === 0n || modulusLength < 512) throw new KeyError("NOT_A_KEY");
  return key;
}

function blobKeyType(blob: Buffer): string | undefined {
  try {
    return new SshReader(blob).text();
  } catch {
    return undefined;
  }
}
