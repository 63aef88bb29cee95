import "server-only";
import { createHash } from "node:crypto";
import { utils } from "ssh2";

/** OpenSSH style "SHA256:<base64 without padding>" of a host key blob. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** OpenSSH style "MD5:aa:bb:..." — older desktop clients (and payers' guides) still quote this form. */
export function md5Fingerprint(keyBlob: Buffer): string {
  const hex = createHash("md5").update(keyBlob).digest("hex");
  return `MD5:${hex.match(/../g)!.join(":")}`;
}

/** Pins may be pasted with or without the "SHA256:" prefix and base64 padding; compare on the bare digest. */
export function normalizeSha256Fingerprint(value: string): string {
  return value.trim().replace(/^SHA256:/i, "").replace(/=+$/, "");
}

export function fingerprintIsPinned(fingerprint: string, pins: readonly string[]): boolean {
  const wanted = normalizeSha256Fingerprint(fingerprint);
  return pins.some((pin) => normalizeSha256Fingerprint(pin) === wanted);
}

/** Key type named inside the blob (ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256...). */
export function hostKeyType(keyBlob: Buffer): string | undefined {
  const parsed = utils.parseKey(keyBlob);
  if (parsed instanceof Error) return undefined;
  return Array.isArray(parsed) ? parsed[0]?.type : parsed.type;
}

/** Fingerprint of an OpenSSH public key line ("ssh-rsa AAAA... comment"). */
export function publicKeyLineFingerprint(line: string): string {
  const blob = Buffer.from(line.trim().split(/\s+/)[1] ?? "", "base64");
  return sha256Fingerprint(blob);
}
