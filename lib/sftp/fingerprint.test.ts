import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { fingerprintIsPinned, md5Fingerprint, publicKeyLineFingerprint, sha256Fingerprint } from "@/lib/sftp/fingerprint";

describe("host key fingerprints", () => {
  const blob = Buffer.from(generateClientKeyPair().publicKey.split(" ")[1], "base64");
  const digest = createHash("sha256").update(blob).digest("base64");

  it("formats SHA256 like OpenSSH (no padding) and MD5 as colon-separated hex", () => {
    expect(sha256Fingerprint(blob)).toBe(`SHA256:${digest.replace(/=+$/, "")}`);
    expect(md5Fingerprint(blob)).toMatch(/^MD5:([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  });

  it("accepts pins pasted with or without the prefix and padding, and nothing else", () => {
    const fingerprint = sha256Fingerprint(blob);
    expect(fingerprintIsPinned(fingerprint, [digest])).toBe(true);
    expect(fingerprintIsPinned(fingerprint, [` ${fingerprint} `])).toBe(true);
    expect(fingerprintIsPinned(fingerprint, [])).toBe(false);
    expect(fingerprintIsPinned(fingerprint, [`SHA256:${"A".repeat(43)}`])).toBe(false);
  });

  it("fingerprints an OpenSSH public key line", () => {
    const line = generateClientKeyPair().publicKey;
    expect(publicKeyLineFingerprint(line)).toBe(sha256Fingerprint(Buffer.from(line.split(" ")[1], "base64")));
  });
});
