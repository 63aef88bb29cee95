import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { utils as ssh2Utils } from "ssh2";
import {
  assertPrivateMatchesPublic,
  exportOpenSshPrivateKey,
  generateRsaKeyPair,
  KeyError,
  parsePrivateKey,
  parsePublicKey,
  RSA_2048_EXACT,
  type GeneratedKeyPair,
} from "@/lib/keys";
import { KeyCorpus, run, sshKeygenFingerprint } from "@/test/support/key-corpus";

let corpus: KeyCorpus;
let pair: GeneratedKeyPair;
const DOWNLOAD_PASSPHRASE = "correct horse battery staple";

beforeAll(async () => {
  corpus = await KeyCorpus.build();
  pair = await generateRsaKeyPair(2048, "Acme Clearinghouse for FL payer");
});
afterAll(() => corpus?.cleanup());

const blobOf = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(" ");

describe("generateRsaKeyPair", () => {
  it("makes an RSA-2048 pair whose fingerprints ssh-keygen confirms", async () => {
    expect(pair.privateKeyFormat).toBe("pkcs1");
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(pair.publicKey.bits).toBe(2048);
    expect(pair.publicKey.openssh).toMatch(/^ssh-rsa AAAA\S+ Acme Clearinghouse for FL payer$/);
    const fp = await sshKeygenFingerprint(corpus.write("gen.pub", pair.publicKey.openssh + "\n"));
    expect(fp).toEqual({ bits: 2048, sha256: pair.publicKey.sha256, md5: pair.publicKey.md5, comment: "Acme Clearinghouse for FL payer" });
    // ssh-keygen derives the same public key from the private PEM.
    const derived = await run("ssh-keygen", ["-y", "-f", corpus.write("gen.pem", pair.privateKeyPem)]);
    expect(blobOf(derived)).toBe(blobOf(pair.publicKey.openssh));
    expect(() => assertPrivateMatchesPublic(pair.privateKeyPem, pair.publicKey.openssh)).not.toThrow();
  });

  it("passes the 2048-exact policy, and its private key is usable by ssh2", async () => {
    expect(parsePublicKey(pair.publicKey.rfc4716, RSA_2048_EXACT).sha256).toBe(pair.publicKey.sha256);
    const key = ssh2Utils.parseKey(pair.privateKeyPem);
    if (key instanceof Error) throw key;
    expect(key.type).toBe("ssh-rsa");
    expect(key.getPublicSSH().toString("base64")).toBe(pair.publicKey.openssh.split(" ")[1]);
  });

  it("makes 3072-bit keys and refuses sizes outside 2048/3072/4096", async () => {
    expect((await generateRsaKeyPair(3072, "big")).publicKey.bits).toBe(3072);
    await expect(generateRsaKeyPair(1024 as 2048, "small")).rejects.toThrow(RangeError);
  });

  it("strips control characters from the comment", async () => {
    const info = parsePublicKey(`${blobOf(pair.publicKey.openssh)} evil\u0007\ncomment`, RSA_2048_EXACT);
    expect(info.comment).toBe("evil comment");
    expect(info.openssh.split("\n")).toHaveLength(1);
  });
});

describe("exportOpenSshPrivateKey", () => {
  let exported: string;
  let file: string;
  beforeAll(() => {
    exported = exportOpenSshPrivateKey(pair.privateKeyPem, DOWNLOAD_PASSPHRASE, "acme download");
    file = corpus.write("download", exported);
  });

  it("writes the new OpenSSH format that ssh-keygen -y -P opens with the passphrase", async () => {
    expect(exported).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
    const derived = await run("ssh-keygen", ["-y", "-P", DOWNLOAD_PASSPHRASE, "-f", file]);
    expect(blobOf(derived)).toBe(blobOf(pair.publicKey.openssh));
  });

  it("is really encrypted: ssh-keygen refuses it without or with a wrong passphrase", async () => {
    await expect(run("ssh-keygen", ["-y", "-P", "", "-f", file])).rejects.toThrow(/incorrect passphrase/);
    await expect(run("ssh-keygen", ["-y", "-P", "wrong passphrase", "-f", file])).rejects.toThrow(/incorrect passphrase/);
    const body = Buffer.from(exported.split("\n").slice(1, -2).join(""), "base64");
    expect(body.includes(Buffer.from("aes256-ctr"))).toBe(true);
    expect(body.includes(Buffer.from("bcrypt"))).toBe(true);
  });

  it("keeps the comment and is read by puttygen and by our own parser", async () => {
    const pass = corpus.write("download-pass", DOWNLOAD_PASSPHRASE);
    const fromPutty = await run("puttygen", [file, "--old-passphrase", pass, "-O", "public-openssh"]);
    expect(fromPutty.trim()).toBe(`${blobOf(pair.publicKey.openssh)} acme download`);
    const back = await parsePrivateKey(exported, DOWNLOAD_PASSPHRASE, RSA_2048_EXACT);
    expect(back.sourceFormat).toBe("openssh");
    expect(back.publicKey.sha256).toBe(pair.publicKey.sha256);
  });

  it("exports a key that came in as PKCS#8 too", async () => {
    const pem = corpus.text("rsa-pkcs8.pem");
    const out = corpus.write("from-pkcs8", exportOpenSshPrivateKey(pem, DOWNLOAD_PASSPHRASE));
    expect(blobOf(await run("ssh-keygen", ["-y", "-P", DOWNLOAD_PASSPHRASE, "-f", out]))).toBe(blobOf(corpus.text("rsa.pub")));
  });

  it("refuses an empty or short passphrase without echoing it", () => {
    for (const pass of ["", "short"]) {
      let caught: unknown;
      try {
        exportOpenSshPrivateKey(pair.privateKeyPem, pass);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(KeyError);
      expect((caught as KeyError).code).toBe("PASSPHRASE_REQUIRED");
      if (pass) expect((caught as KeyError).message).not.toContain(pass);
    }
  });
});
