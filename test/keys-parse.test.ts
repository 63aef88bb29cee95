import { createPrivateKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { utils as ssh2Utils } from "ssh2";
import { parsePrivateKey, parsePublicKey, RSA_2048_EXACT, type RsaPublicKeyInfo } from "@/lib/keys";
import { CORPUS_PASSPHRASE, KeyCorpus, run, sshKeygenFingerprint, type SshKeygenFingerprint } from "@/test/support/key-corpus";

let corpus: KeyCorpus;
let reference: SshKeygenFingerprint;

beforeAll(async () => {
  corpus = await KeyCorpus.build();
  reference = await sshKeygenFingerprint(corpus.path("rsa.pub"));
});
afterAll(() => corpus?.cleanup());

const blobOf = (opensshLine: string) => opensshLine.trim().split(/\s+/).slice(0, 2).join(" ");

function expectReferenceKey(info: RsaPublicKeyInfo) {
  expect(info.algorithm).toBe("rsa");
  expect(info.bits).toBe(2048);
  expect(info.sha256).toBe(reference.sha256);
  expect(info.md5).toBe(reference.md5);
  expect(blobOf(info.openssh)).toBe(blobOf(corpus.text("rsa.pub")));
}

describe("parsePublicKey", () => {
  it.each([
    ["OpenSSH line (ssh-keygen .pub)", "rsa.pub", "corpus rsa"],
    ["RFC 4716 (ssh-keygen -e)", "rsa-rfc4716.pub", undefined],
    ["RFC 4716 (puttygen -O public)", "rsa-putty-rfc4716.pub", "corpus rsa"],
    ["PEM SPKI (ssh-keygen -e -m PKCS8)", "rsa-spki.pem", ""],
    ["PEM PKCS#1 public (ssh-keygen -e -m PEM)", "rsa-pkcs1-public.pem", ""],
  ])("reads %s with ssh-keygen's fingerprints", (_label, file, comment) => {
    const info = parsePublicKey(corpus.text(file), RSA_2048_EXACT);
    expectReferenceKey(info);
    if (comment !== undefined) expect(info.comment).toBe(comment);
  });

  it("reads the comment of ssh-keygen's RFC 4716 export", () => {
    const info = parsePublicKey(corpus.text("rsa-rfc4716.pub"), RSA_2048_EXACT);
    expect(info.comment).toMatch(/^2048-bit RSA, converted by .* from OpenSSH$/);
  });

  it("reads the public section of a PuTTY .ppk (v2 and v3) when only that part is pasted", () => {
    for (const file of ["rsa-v2.ppk", "rsa-v3.ppk"]) {
      const publicPart = corpus.text(file).split(/^Private-Lines:/m)[0].replace(/^(Key-Derivation|Argon2-[A-Za-z]+):.*\n/gm, "");
      expectReferenceKey(parsePublicKey(publicPart, RSA_2048_EXACT));
    }
  });

  it("tolerates CRLF, surrounding whitespace, an authorized_keys option and a line wrapped by an email client", () => {
    const line = corpus.text("rsa.pub").trim();
    expectReferenceKey(parsePublicKey(`\r\n  ${line}\r\n`, RSA_2048_EXACT));
    expectReferenceKey(parsePublicKey(`from="192.0.2.1" ${line}`, RSA_2048_EXACT));
    expectReferenceKey(parsePublicKey(`${line.slice(0, 120)}\n${line.slice(120)}`, RSA_2048_EXACT));
  });

  it("matches ssh-keygen for a key puttygen generated itself", async () => {
    const expected = await sshKeygenFingerprint(corpus.path("putty-gen.pub"));
    for (const file of ["putty-gen.pub", "putty-gen-rfc4716.pub"]) {
      const info = parsePublicKey(corpus.text(file), RSA_2048_EXACT);
      expect(info.sha256).toBe(expected.sha256);
      expect(info.md5).toBe(expected.md5);
      expect(info.comment).toBe("putty generated");
    }
  });

  it("matches ssh-keygen for a key node:crypto generated", async () => {
    const info = parsePublicKey(corpus.text("node-rsa-spki.pem"), RSA_2048_EXACT);
    const converted = corpus.write("node-rsa.pub", await run("ssh-keygen", ["-i", "-m", "PKCS8", "-f", corpus.path("node-rsa-spki.pem")]));
    const expected = await sshKeygenFingerprint(converted);
    expect([info.sha256, info.md5]).toEqual([expected.sha256, expected.md5]);
  });
});

describe("public key exports are read back by ssh-keygen", () => {
  it("OpenSSH line, RFC 4716 and PEM all convert to the same key", async () => {
    const info = parsePublicKey(corpus.text("rsa.pub"), RSA_2048_EXACT);
    const fromOpenssh = await sshKeygenFingerprint(corpus.write("out.pub", info.openssh + "\n"));
    expect(fromOpenssh).toEqual({ ...reference, comment: "corpus rsa" });
    const fromRfc = await run("ssh-keygen", ["-i", "-f", corpus.write("out-rfc.pub", info.rfc4716)]);
    expect(blobOf(fromRfc)).toBe(blobOf(info.openssh));
    const fromPem = await run("ssh-keygen", ["-i", "-m", "PKCS8", "-f", corpus.write("out.pem", info.pem)]);
    expect(blobOf(fromPem)).toBe(blobOf(info.openssh));
  });

  it("RFC 4716 uses 70-column base64 and a quoted Comment header, like ssh-keygen -e", () => {
    const info = parsePublicKey(corpus.text("rsa.pub"), RSA_2048_EXACT);
    const lines = info.rfc4716.trimEnd().split("\n");
    expect(lines[0]).toBe("---- BEGIN SSH2 PUBLIC KEY ----");
    expect(lines[1]).toBe('Comment: "corpus rsa"');
    expect(lines.at(-1)).toBe("---- END SSH2 PUBLIC KEY ----");
    const body = lines.slice(2, -1);
    expect(body.slice(0, -1).every((l) => l.length === 70)).toBe(true);
    // Same body as ssh-keygen -e writes.
    expect(body).toEqual(corpus.text("rsa-rfc4716.pub").trimEnd().split("\n").slice(2, -1));
  });

  it("wraps a long comment header within 72 bytes and ssh-keygen still accepts it", async () => {
    const long = `Acme Clearinghouse — production SFTP key for payer "FL" ${"x".repeat(80)}`;
    const info = parsePublicKey(`${blobOf(corpus.text("rsa.pub"))} ${long}`, RSA_2048_EXACT);
    expect(info.rfc4716.split("\n").every((l) => Buffer.byteLength(l) <= 72)).toBe(true);
    const back = await run("ssh-keygen", ["-i", "-f", corpus.write("long.pub", info.rfc4716)]);
    expect(blobOf(back)).toBe(blobOf(info.openssh));
    // Double quotes delimit the header value, so they come back as single quotes.
    expect(parsePublicKey(info.rfc4716, RSA_2048_EXACT).comment).toBe(info.comment.replace(/"/g, "'"));
  });
});

describe("parsePrivateKey", () => {
  it.each([
    ["OpenSSH", "rsa", undefined, "openssh", false],
    ["OpenSSH, bcrypt + aes256-ctr", "rsa-openssh-enc", CORPUS_PASSPHRASE, "openssh", true],
    ["OpenSSH, bcrypt + aes256-gcm", "rsa-openssh-gcm-enc", CORPUS_PASSPHRASE, "openssh", true],
    ["PEM PKCS#1", "rsa-pkcs1.pem", undefined, "pkcs1", false],
    ["PEM PKCS#1, encrypted", "rsa-pkcs1-enc.pem", CORPUS_PASSPHRASE, "pkcs1", true],
    ["PKCS#8", "rsa-pkcs8.pem", undefined, "pkcs8", false],
    ["PKCS#8, encrypted", "rsa-pkcs8-enc.pem", CORPUS_PASSPHRASE, "pkcs8", true],
    ["PPK v2", "rsa-v2.ppk", undefined, "ppk-v2", false],
    ["PPK v2, encrypted", "rsa-v2-enc.ppk", CORPUS_PASSPHRASE, "ppk-v2", true],
    ["PPK v3", "rsa-v3.ppk", undefined, "ppk-v3", false],
    ["PPK v3, Argon2id", "rsa-v3-enc.ppk", CORPUS_PASSPHRASE, "ppk-v3", true],
    ["PPK v3, Argon2i", "rsa-v3-argon2i-enc.ppk", CORPUS_PASSPHRASE, "ppk-v3", true],
    ["PPK v3, Argon2d", "rsa-v3-argon2d-enc.ppk", CORPUS_PASSPHRASE, "ppk-v3", true],
  ] as const)("reads %s and normalises it to PKCS#1 PEM that ssh-keygen, ssh2 and node:crypto accept", async (_l, file, pass, format, encrypted) => {
    const parsed = await parsePrivateKey(corpus.text(file), pass, RSA_2048_EXACT);
    expect(parsed.sourceFormat).toBe(format);
    expect(parsed.wasEncrypted).toBe(encrypted);
    expect(parsed.privateKeyFormat).toBe("pkcs1");
    expect(parsed.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expectReferenceKey(parsed.publicKey);

    // The normalised key is the same key: ssh-keygen derives the same public key from it.
    const derived = await run("ssh-keygen", ["-y", "-f", corpus.write(`${file}.normalised`, parsed.privateKeyPem)]);
    expect(blobOf(derived)).toBe(blobOf(corpus.text("rsa.pub")));

    const sshKey = ssh2Utils.parseKey(parsed.privateKeyPem);
    if (sshKey instanceof Error) throw sshKey;
    const data = Buffer.from("payload");
    expect(sshKey.verify(data, sshKey.sign(data))).toBe(true);
    expect(createPrivateKey(parsed.privateKeyPem).asymmetricKeyType).toBe("rsa");
  });

  it("recomputes the CRT values instead of storing a damaged iqmp, which OpenSSL's fault fallback would hide", async () => {
    const qi = Buffer.from(createPrivateKey(corpus.text("rsa-pkcs1.pem")).export({ format: "jwk" }).qi!, "base64url");
    const der = Buffer.from(corpus.text("rsa").split("\n").slice(1, -2).join(""), "base64");
    der[der.indexOf(qi) + 10] ^= 0x01;
    const damaged = `-----BEGIN OPENSSH PRIVATE KEY-----\n${der.toString("base64")}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const parsed = await parsePrivateKey(damaged, undefined, RSA_2048_EXACT);
    expect(createPrivateKey(parsed.privateKeyPem).export({ format: "jwk" }).qi).toBe(qi.toString("base64url"));
  });

  it("keeps the comment of OpenSSH and PuTTY files", async () => {
    expect((await parsePrivateKey(corpus.text("rsa"), undefined, RSA_2048_EXACT)).publicKey.comment).toBe("corpus rsa");
    expect((await parsePrivateKey(corpus.text("rsa-v3-enc.ppk"), CORPUS_PASSPHRASE, RSA_2048_EXACT)).publicKey.comment).toBe("corpus rsa");
  });

  it("reads a key puttygen generated (PPK v3, passphrase) with the fingerprint ssh-keygen gives its export", async () => {
    const parsed = await parsePrivateKey(corpus.text("putty-gen.ppk"), CORPUS_PASSPHRASE, RSA_2048_EXACT);
    const expected = await sshKeygenFingerprint(corpus.path("putty-gen.pub"));
    expect([parsed.publicKey.sha256, parsed.publicKey.md5, parsed.publicKey.comment]).toEqual([expected.sha256, expected.md5, "putty generated"]);
  });

  it("reads an encrypted PKCS#8 key written by node:crypto", async () => {
    const parsed = await parsePrivateKey(corpus.text("node-rsa-pkcs8-enc.pem"), CORPUS_PASSPHRASE, RSA_2048_EXACT);
    expect(parsed.publicKey.sha256).toBe(parsePublicKey(corpus.text("node-rsa-spki.pem"), RSA_2048_EXACT).sha256);
  });

  it.each(["rsa", "rsa-pkcs1.pem", "rsa-pkcs8.pem", "rsa-v2.ppk", "rsa-v3.ppk"])("ignores a passphrase given for unencrypted %s", async (file) => {
    // ssh2 would key a .ppk v2's integrity check with it, and call the file damaged.
    const parsed = await parsePrivateKey(corpus.text(file), "not needed", RSA_2048_EXACT);
    expect([parsed.publicKey.sha256, parsed.wasEncrypted]).toEqual([reference.sha256, false]);
  });
});
