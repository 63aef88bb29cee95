import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { rsaBits, sshRsaBlob } from "./rsa";

/** Everything the portal shows or sends about a partner's RSA public key. */
export interface RsaPublicKeyInfo {
  algorithm: "rsa";
  bits: number;
  /** authorized_keys line: `ssh-rsa AAAA… comment`. */
  openssh: string;
  /** RFC 4716 / SSH2 block (GlobalSCAPE, Tectia), 70-column body like `ssh-keygen -e`. */
  rfc4716: string;
  /** PEM SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`). */
  pem: string;
  /** `SHA256:…` exactly as `ssh-keygen -lf` prints it. */
  sha256: string;
  /** `MD5:aa:bb:…` exactly as `ssh-keygen -E md5 -lf` prints it. */
  md5: string;
  comment: string;
}

/** Comments end up in one-line formats and headers: no control characters, bounded length. */
export function sanitizeComment(comment: string | undefined): string {
  return (comment ?? "")
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .trim()
    .slice(0, 200);
}

export function sha256Fingerprint(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

export function md5Fingerprint(blob: Buffer): string {
  const hex = createHash("md5").update(blob).digest("hex");
  return "MD5:" + hex.match(/../g)!.join(":");
}

export function opensshLine(blob: Buffer, comment: string): string {
  const line = `ssh-rsa ${blob.toString("base64")}`;
  return comment ? `${line} ${comment}` : line;
}

const RFC4716_BODY_WIDTH = 70;
const RFC4716_MAX_LINE_BYTES = 72;

/** RFC 4716 §3.3: a header line is at most 72 bytes; longer values continue after a trailing backslash. */
function rfc4716HeaderLines(name: string, value: string): string[] {
  const lines: string[] = [];
  let current = `${name}: `;
  for (const ch of value) {
    if (Buffer.byteLength(current + ch) > RFC4716_MAX_LINE_BYTES - 1) {
      lines.push(current + "\\");
      current = "";
    }
    current += ch;
  }
  lines.push(current);
  return lines;
}

export function rfc4716Block(blob: Buffer, comment: string): string {
  const body = blob.toString("base64").match(new RegExp(`.{1,${RFC4716_BODY_WIDTH}}`, "g"))!;
  // Quotes delimit the value and a trailing backslash means "continued"; neither may come from the comment.
  const safeComment = comment.replace(/"/g, "'").replace(/\\/g, "/");
  const header = safeComment ? rfc4716HeaderLines("Comment", `"${safeComment}"`) : [];
  return ["---- BEGIN SSH2 PUBLIC KEY ----", ...header, ...body, "---- END SSH2 PUBLIC KEY ----", ""].join("\n");
}

/** `key` is an RSA key, public or private; only its public part is described. */
export function describeRsaPublicKey(key: KeyObject, comment: string | undefined): RsaPublicKeyInfo {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const blob = sshRsaBlob(publicKey);
  const clean = sanitizeComment(comment);
  return {
    algorithm: "rsa",
    bits: rsaBits(publicKey),
    openssh: opensshLine(blob, clean),
    rfc4716: rfc4716Block(blob, clean),
    pem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    sha256: sha256Fingerprint(blob),
    md5: md5Fingerprint(blob),
    comment: clean,
  };
}
