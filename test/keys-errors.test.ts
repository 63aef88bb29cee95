import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertPrivateMatchesPublic,
  KeyError,
  parsePrivateKey,
  parsePublicKey,
  RSA_2048_EXACT,
  type KeyErrorCode,
  type KeyPolicy,
} from "@/lib/keys";
import { CORPUS_PASSPHRASE, KeyCorpus } from "@/test/support/key-corpus";

let corpus: KeyCorpus;
beforeAll(async () => {
  corpus = await KeyCorpus.build();
  await corpus.withRsa4096();
}, 120_000);
afterAll(() => corpus?.cleanup());

/** Any 16-character run of the input's base64 or the passphrase appearing in a message would be a leak. */
function expectNoKeyMaterial(message: string, input: string, passphrase?: string) {
  const chunks = input.match(/[A-Za-z0-9+/]{16,}/g) ?? [];
  for (const chunk of chunks) {
    for (let i = 0; i + 16 <= chunk.length; i += 8) expect(message).not.toContain(chunk.slice(i, i + 16));
  }
  if (passphrase) expect(message).not.toContain(passphrase);
}

async function keyErrorOf(fn: () => unknown): Promise<KeyError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyError);
    return err as KeyError;
  }
  throw new Error("expected a KeyError, but the call succeeded");
}

async function expectPublicError(file: string, code: KeyErrorCode, policy: KeyPolicy = RSA_2048_EXACT): Promise<KeyError> {
  const text = corpus.text(file);
  const err = await keyErrorOf(() => parsePublicKey(text, policy));
  expect(err.code, file).toBe(code);
  expectNoKeyMaterial(err.message, text);
  return err;
}

async function expectPrivateError(file: string, pass: string | undefined, code: KeyErrorCode, policy: KeyPolicy = RSA_2048_EXACT) {
  const text = corpus.text(file);
  const err = await keyErrorOf(() => parsePrivateKey(text, pass, policy));
  expect(err.code, `${file} with passphrase ${pass === undefined ? "none" : "given"}`).toBe(code);
  expectNoKeyMaterial(err.message, text, pass);
  return err;
}

// aes256-ctr and aes256-gcm OpenSSH keys fail a wrong passphrase differently inside ssh2 (check words, GCM tag).
const ENCRYPTED = ["rsa-openssh-enc", "rsa-openssh-gcm-enc", "rsa-pkcs1-enc.pem", "rsa-pkcs8-enc.pem", "rsa-v2-enc.ppk", "rsa-v3-enc.ppk", "rsa-v3-argon2i-enc.ppk", "node-rsa-pkcs8-enc.pem"];
const PRIVATE_FILES = ["rsa", "rsa-openssh-enc", "rsa-pkcs1.pem", "rsa-pkcs1-enc.pem", "rsa-pkcs8.pem", "rsa-pkcs8-enc.pem", "rsa-v2.ppk", "rsa-v3-enc.ppk", "rsa-sshcom", "ed25519", "ecdsa-sec1.pem", "dsa-traditional.pem"];

describe("NOT_A_KEY", () => {
  it.each([
    ["empty", ""],
    ["prose", "Please find our key attached."],
    ["a truncated OpenSSH line", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAB"],
    ["a mangled base64", "ssh-rsa AAAA!!!not-base64 me@host"],
  ])("refuses %s as a public key", async (_l, text) => {
    const err = await keyErrorOf(() => parsePublicKey(text, RSA_2048_EXACT));
    expect(err.code).toBe("NOT_A_KEY");
  });

  it("refuses two keys pasted at once instead of silently taking one", async () => {
    const two = corpus.text("rsa.pub") + corpus.text("other-rsa.pub");
    expect((await keyErrorOf(() => parsePublicKey(two, RSA_2048_EXACT))).code).toBe("NOT_A_KEY");
  });

  it("refuses a public key where a private key belongs, and a damaged private key", async () => {
    await expectPrivateError("rsa.pub", undefined, "NOT_A_KEY");
    // One base64 line of the file lost, as happens when copying out of a terminal.
    corpus.write("rsa-damaged", corpus.text("rsa").split("\n").filter((_l, i) => i !== 5).join("\n"));
    await expectPrivateError("rsa-damaged", undefined, "NOT_A_KEY");
  });

  it("detects an OpenSSH file whose clear public key is not the key inside", async () => {
    const der = (name: string) => Buffer.from(corpus.text(name).split("\n").slice(1, -2).join(""), "base64");
    const blob = (name: string) => Buffer.from(corpus.text(name).split(" ")[1], "base64");
    const file = der("rsa");
    const at = file.indexOf(blob("rsa.pub"));
    blob("other-rsa.pub").copy(file, at);
    corpus.write("rsa-swapped-public", `-----BEGIN OPENSSH PRIVATE KEY-----\n${file.toString("base64")}\n-----END OPENSSH PRIVATE KEY-----\n`);
    const err = await expectPrivateError("rsa-swapped-public", undefined, "NOT_A_KEY");
    expect(err.message).toMatch(/parts do not fit together/);
  });

  it("detects a .ppk whose integrity check fails", async () => {
    corpus.write("rsa-v3-edited.ppk", corpus.text("rsa-v3.ppk").replace("Comment: corpus rsa", "Comment: edited"));
    await expectPrivateError("rsa-v3-edited.ppk", undefined, "NOT_A_KEY");
  });
});

describe("KEY_NOT_RSA", () => {
  it.each(["ecdsa.pub", "ed25519.pub", "dsa-spki.pem"])("refuses public key %s, saying RSA is required and how to get one", async (file) => {
    const err = await expectPublicError(file, "KEY_NOT_RSA");
    expect(err.message).toMatch(/requires an RSA key of exactly 2048 bits/);
    expect(err.message).toContain("ssh-keygen -t rsa -b 2048");
    expect(err.message).toContain("key generator");
  });

  it.each([
    ["ed25519", /Ed25519/],
    ["ed25519.ppk", /Ed25519/],
    ["ed25519-pkcs8.pem", /Ed25519/],
    ["ecdsa", /ECDSA/],
    ["ecdsa-sec1.pem", /ECDSA/],
    ["dsa-pkcs8.pem", /DSA/],
    ["dsa-traditional.pem", /DSA/],
  ])("refuses private key %s and names its type", async (file, type) => {
    const err = await expectPrivateError(file, undefined, "KEY_NOT_RSA");
    expect(err.message).toMatch(type);
    expect(err.message).toContain("ssh-keygen -t rsa -b 2048");
  });
});

describe("key size", () => {
  it("KEY_TOO_SMALL for RSA-1024, public and private, under every policy", async () => {
    await expectPublicError("rsa1024.pub", "KEY_TOO_SMALL");
    await expectPublicError("rsa1024.pub", "KEY_TOO_SMALL", { algorithm: "rsa", bits: { min: 1024 } });
    const err = await expectPrivateError("rsa1024", undefined, "KEY_TOO_SMALL");
    expect(err.message).toContain("1024 bits");
  });

  it("KEY_TOO_SMALL for RSA-2048 where at least 3072 is required", async () => {
    await expectPublicError("rsa.pub", "KEY_TOO_SMALL", { algorithm: "rsa", bits: { min: 3072 } });
  });

  it("KEY_SIZE_NOT_ALLOWED for RSA-4096 where exactly 2048 is required; accepted where the policy allows it", async () => {
    const err = await expectPublicError("rsa4096.pub", "KEY_SIZE_NOT_ALLOWED");
    expect(err.message).toContain("4096 bits");
    expect(err.message).toContain("exactly 2048 bits");
    await expectPrivateError("rsa4096", undefined, "KEY_SIZE_NOT_ALLOWED");
    const allowed = parsePublicKey(corpus.text("rsa4096.pub"), { algorithm: "rsa", bits: { min: 2048 } });
    expect(allowed.bits).toBe(4096);
    const exact = await parsePrivateKey(corpus.text("rsa4096"), undefined, { algorithm: "rsa", bits: { exact: 4096 } });
    expect(exact.publicKey.bits).toBe(4096);
  });
});

describe("passphrases", () => {
  it.each(ENCRYPTED)("PASSPHRASE_REQUIRED for %s without one (undefined or empty)", async (file) => {
    await expectPrivateError(file, undefined, "PASSPHRASE_REQUIRED");
    await expectPrivateError(file, "", "PASSPHRASE_REQUIRED");
  });

  it.each(ENCRYPTED)("WRONG_PASSPHRASE for %s", async (file) => {
    await expectPrivateError(file, CORPUS_PASSPHRASE.toUpperCase(), "WRONG_PASSPHRASE");
  });
});

describe("KEY_MISMATCH", () => {
  it("passes for the matching public key in any format, fails for another key", async () => {
    const { privateKeyPem } = await parsePrivateKey(corpus.text("rsa"), undefined, RSA_2048_EXACT);
    for (const file of ["rsa.pub", "rsa-rfc4716.pub", "rsa-spki.pem"]) {
      expect(() => assertPrivateMatchesPublic(privateKeyPem, corpus.text(file))).not.toThrow();
    }
    const err = await keyErrorOf(() => assertPrivateMatchesPublic(privateKeyPem, corpus.text("other-rsa.pub")));
    expect(err.code).toBe("KEY_MISMATCH");
    expectNoKeyMaterial(err.message, privateKeyPem + corpus.text("other-rsa.pub"));
  });
});

describe("PRIVATE_KEY_IN_PUBLIC_FIELD", () => {
  it.each(PRIVATE_FILES)("refuses %s pasted as a public key, and warns never to send it", async (file) => {
    const err = await expectPublicError(file, "PRIVATE_KEY_IN_PUBLIC_FIELD");
    expect(err.message).toContain("Never send a private key to anyone");
  });

  it("refuses a private key even inside other text", async () => {
    const text = `Hi, here is our key:\n\n${corpus.text("rsa-pkcs1.pem")}\nThanks`;
    expect((await keyErrorOf(() => parsePublicKey(text, RSA_2048_EXACT))).code).toBe("PRIVATE_KEY_IN_PUBLIC_FIELD");
  });
});

describe("UNSUPPORTED_FORMAT", () => {
  it("ssh.com (Tectia) private key, with how to convert it", async () => {
    const err = await expectPrivateError("rsa-sshcom", CORPUS_PASSPHRASE, "UNSUPPORTED_FORMAT");
    expect(err.message).toMatch(/ssh-keygen -i|PuTTYgen/);
  });

  it("an OpenSSH key encrypted with chacha20-poly1305, which ssh2 cannot decrypt, with how to re-save it", async () => {
    const err = await expectPrivateError("rsa-openssh-chacha-enc", CORPUS_PASSPHRASE, "UNSUPPORTED_FORMAT");
    expect(err.message).toContain("chacha20-poly1305@openssh.com");
    expect(err.message).toContain("ssh-keygen -p -Z aes256-ctr");
  });

  it("an X.509 certificate pasted as a public key", async () => {
    const err = await expectPublicError("rsa-cert.pem", "UNSUPPORTED_FORMAT");
    expect(err.message).toMatch(/certificate/);
  });
});
