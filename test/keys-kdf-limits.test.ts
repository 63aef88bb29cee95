import fs from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import os from "node:os";
import path from "node:path";
import { utils as ssh2Utils } from "ssh2";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts } from "@/db/schema";
import { uploadPrivateKey } from "@/lib/partner-keys/service";
import { loadDeliveryCredentials } from "@/lib/partner-accounts/service";
import { systemActor } from "@/lib/auth/actor";
import { UserInputError } from "@/lib/errors";
import { exportOpenSshPrivateKey, KeyError, parsePrivateKey, RSA_2048_EXACT } from "@/lib/keys";
import { describeKdfLimits, KDF_DEFAULTS, KDF_LIMITS } from "@/lib/keys/kdf-limits";
import { readOpenSshEnvelope } from "@/lib/keys/openssh-private";
import { readPpk } from "@/lib/keys/ppk";
import { findPemBlock } from "@/lib/keys/key-text";
import { partnerIn } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { run } from "@/test/support/key-corpus";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

/*
 * Every key derivation the portal can run on an uploaded key starts in one of three calls, wrapped
 * (not replaced) so a test can tell whether any derivation ran at all: ssh2.utils.parseKey given a
 * passphrase (ssh2 runs bcrypt for OpenSSH keys, whose bcrypt-pbkdf it holds privately), Argon2 for
 * PuTTY v3 keys, and node:crypto's createPrivateKey given a passphrase (OpenSSL runs PKCS#8's PBKDF2
 * or scrypt). The spies go on the objects lib/keys looks these functions up on when it calls them,
 * so they see every derivation however and whenever lib/keys was loaded.
 */
const loadCommonJs = createRequire(import.meta.url);
const ssh2ParseKey = vi.spyOn(ssh2Utils, "parseKey");
const argon2HashRaw = vi.spyOn(loadCommonJs("@node-rs/argon2") as typeof import("@node-rs/argon2"), "hashRawSync");
const createPrivateKey = vi.spyOn(loadCommonJs("node:crypto") as typeof import("node:crypto"), "createPrivateKey");
syncBuiltinESMExports(); // node:crypto's ESM exports, which lib/keys imports, take the spy too.

useTemporaryPortalEnv();
withTestDatabase();

const PASS = "kdf limits pass-phrase";
let dir: string;
const file = (name: string) => path.join(dir, name);
const text = (name: string) => fs.readFileSync(file(name), "utf8");

/** ssh-keygen rewrites a copy of the base key with a passphrase and `-a rounds`. */
async function sshKeygenRounds(rounds: number): Promise<void> {
  fs.copyFileSync(file("rsa"), file(`rsa-a${rounds}`));
  fs.chmodSync(file(`rsa-a${rounds}`), 0o600);
  await run("ssh-keygen", ["-q", "-p", "-P", "", "-N", PASS, "-a", String(rounds), "-f", file(`rsa-a${rounds}`)]);
}

async function puttygen(name: string, ppkParams?: string): Promise<void> {
  await run("puttygen", ["-q", file("rsa"), "--new-passphrase", file("pass.txt"), ...(ppkParams ? ["--ppk-param", ppkParams] : []), "-o", file(name)]);
}

async function opensslPkcs8(name: string, args: string[]): Promise<void> {
  await run("openssl", ["pkcs8", "-topk8", "-in", file("rsa.pem"), "-passout", `pass:${PASS}`, ...args, "-out", file(name)]);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdf-limits-"));
  fs.writeFileSync(file("pass.txt"), PASS);
  await run("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "kdf limits", "-f", file("rsa")]);
  fs.copyFileSync(file("rsa"), file("rsa.pem"));
  await run("ssh-keygen", ["-q", "-p", "-P", "", "-N", "", "-m", "PEM", "-f", file("rsa.pem")]);
  // Real tools, two cores: over the limits, at them, and at each tool's defaults.
  await Promise.all([
    sshKeygenRounds(16),
    sshKeygenRounds(KDF_LIMITS.bcryptRounds),
    sshKeygenRounds(KDF_LIMITS.bcryptRounds + 1),
    sshKeygenRounds(200),
    puttygen("default.ppk"),
    puttygen("memory-over.ppk", "memory=131072,passes=1"),
    puttygen("passes-over.ppk", "passes=100"),
    puttygen("product-over.ppk", "memory=65536,passes=16"),
    puttygen("threads-over.ppk", "parallelism=8,passes=1"),
    puttygen("memory-at-limit.ppk", "memory=65536,passes=8"),
    puttygen("passes-at-limit.ppk", "passes=64"),
    opensslPkcs8("pbkdf2-default.pem", ["-v2", "aes-256-cbc"]),
    opensslPkcs8("pbkdf2-over.pem", ["-v2", "aes-256-cbc", "-iter", String(KDF_LIMITS.pbkdf2Iterations + 1)]),
    opensslPkcs8("pkcs12-pbe-over.pem", ["-v1", "PBE-SHA1-3DES", "-iter", String(KDF_LIMITS.pbkdf2Iterations + 1)]),
    opensslPkcs8("scrypt-default.pem", ["-scrypt"]),
    opensslPkcs8("scrypt-over.pem", ["-scrypt", "-scrypt_N", "16384", "-scrypt_r", "8", "-scrypt_p", "8"]),
  ]);
}, 120_000);
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

const bcryptCalls = () => ssh2ParseKey.mock.calls.filter(([, passphrase]) => passphrase !== undefined).length;
const argon2Calls = () => argon2HashRaw.mock.calls.length;
/** node:crypto runs PKCS#8 key derivation inside createPrivateKey, when given a passphrase. */
const pkcs8Derivations = () => createPrivateKey.mock.calls.filter(([arg]) => typeof arg === "object" && arg !== null && "passphrase" in arg).length;

beforeEach(() => {
  ssh2ParseKey.mockClear();
  argon2HashRaw.mockClear();
  createPrivateKey.mockClear();
});

async function refusal(name: string, passphrase: string | undefined): Promise<KeyError> {
  const error = await parsePrivateKey(text(name), passphrase, RSA_2048_EXACT).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `${name} should be refused`).toBeInstanceOf(KeyError);
  expect((error as KeyError).code).toBe("KDF_TOO_COSTLY");
  if (passphrase) expect((error as KeyError).message).not.toContain(passphrase);
  return error as KeyError;
}

/** The same refusal with the right passphrase, a wrong one and none, and no derivation run for any. */
async function expectRefusedBeforeAnyWork(name: string): Promise<string> {
  const messages = new Set<string>();
  for (const passphrase of [PASS, "not the passphrase", undefined]) messages.add((await refusal(name, passphrase)).message);
  expect([bcryptCalls(), argon2Calls(), pkcs8Derivations()]).toEqual([0, 0, 0]);
  expect(messages.size).toBe(1);
  return [...messages][0];
}

describe("the limits", () => {
  it("leave head-room over the tools' defaults and are described in words", () => {
    expect(KDF_LIMITS.bcryptRounds).toBeGreaterThanOrEqual(4 * KDF_DEFAULTS.sshKeygenBcryptRounds);
    expect(KDF_LIMITS.argon2MemoryKiB).toBeGreaterThanOrEqual(8 * KDF_DEFAULTS.puttygenArgon2MemoryKiB);
    expect(KDF_LIMITS.argon2MemoryTimesPasses).toBeLessThan(KDF_LIMITS.argon2MemoryKiB * KDF_LIMITS.argon2Passes);
    const words = describeKdfLimits();
    for (const n of ["64 bcrypt rounds", "65,536 KiB", "64 passes", "4 threads", "524,288", "1,000,000 PBKDF2 iterations"]) expect(words).toContain(n);
  });

  it("PuTTYgen's defaults on this machine are within them", () => {
    const { argon2 } = readPpk(text("default.ppk"));
    expect(argon2).toMatchObject({ memoryKiB: 8192, parallelism: 1 });
    expect(argon2!.passes).toBeLessThanOrEqual(KDF_LIMITS.argon2Passes);
    expect(argon2!.memoryKiB * argon2!.passes).toBeLessThanOrEqual(KDF_LIMITS.argon2MemoryTimesPasses);
  });

  it("our own download uses ssh-keygen's default rounds", () => {
    const pem = fs.readFileSync(file("rsa.pem"), "utf8");
    const exported = exportOpenSshPrivateKey(pem, PASS);
    expect(readOpenSshEnvelope(findPemBlock(exported)!.der).rounds).toBe(KDF_DEFAULTS.sshKeygenBcryptRounds);
  });
});

describe("OpenSSH keys (bcrypt rounds)", () => {
  it("refuses ssh-keygen -a 200 with the right, a wrong or no passphrase, before bcrypt runs", async () => {
    const message = await expectRefusedBeforeAnyWork("rsa-a200");
    expect(message).toContain("200 bcrypt rounds");
    expect(message).toContain(`at most ${KDF_LIMITS.bcryptRounds}`);
    expect(message).toContain("ssh-keygen's default is 16");
    expect(message).toContain("cp yourkey portal-key && ssh-keygen -p -a 16 -f portal-key");
  });

  it("refuses one round over the limit", async () => {
    expect(await expectRefusedBeforeAnyWork(`rsa-a${KDF_LIMITS.bcryptRounds + 1}`)).toContain(`${KDF_LIMITS.bcryptRounds + 1} bcrypt rounds`);
  });

  it.each([16, KDF_LIMITS.bcryptRounds])("reads ssh-keygen -a %i, and the derivation does run", async (rounds) => {
    const parsed = await parsePrivateKey(text(`rsa-a${rounds}`), PASS, RSA_2048_EXACT);
    expect(parsed).toMatchObject({ sourceFormat: "openssh", wasEncrypted: true });
    // Decrypted with one hand-over of the passphrase to ssh2: bcrypt ran once, at the file's rounds.
    expect(bcryptCalls()).toBe(1);
    expect(ssh2ParseKey.mock.calls.find(([, passphrase]) => passphrase === PASS)?.[0]).toContain("BEGIN OPENSSH PRIVATE KEY");
    expect(readOpenSshEnvelope(findPemBlock(text(`rsa-a${rounds}`))!.der).rounds).toBe(rounds);
  });

  it("the fix in the message works: ssh-keygen -p -a 16 on a copy", async () => {
    fs.copyFileSync(file("rsa-a200"), file("portal-key"));
    await run("ssh-keygen", ["-q", "-p", "-a", "16", "-P", PASS, "-N", PASS, "-f", file("portal-key")]);
    expect((await parsePrivateKey(text("portal-key"), PASS, RSA_2048_EXACT)).wasEncrypted).toBe(true);
  });
});

describe("PuTTY keys (PPK v3, Argon2)", () => {
  it("refuses memory over the limit before Argon2 runs", async () => {
    const message = await expectRefusedBeforeAnyWork("memory-over.ppk");
    expect(message).toContain("memory 131,072 KiB is over 65,536 KiB");
    expect(message).toContain("puttygen yourkey.ppk --reencrypt -o portal-key.ppk");
    expect(message).toContain("Key > Parameters for saving key files");
  });

  it("refuses passes over the limit before Argon2 runs", async () => {
    expect(await expectRefusedBeforeAnyWork("passes-over.ppk")).toContain(`100 passes are over ${KDF_LIMITS.argon2Passes}`);
  });

  it("refuses memory × passes over the limit when each is within it", async () => {
    expect(await expectRefusedBeforeAnyWork("product-over.ppk")).toContain("memory × passes (1,048,576) is over 524,288");
  });

  it("refuses more threads than the limit", async () => {
    expect(await expectRefusedBeforeAnyWork("threads-over.ppk")).toContain(`8 threads are over ${KDF_LIMITS.argon2Parallelism}`);
  });

  it("refuses a hand-edited absurd cost, and calls unreadable settings damaged", async () => {
    const absurd = text("default.ppk").replace(/^Argon2-Memory: .*$/m, "Argon2-Memory: 99999999999999999999");
    await expect(parsePrivateKey(absurd, PASS, RSA_2048_EXACT)).rejects.toMatchObject({ code: "KDF_TOO_COSTLY" });
    const garbled = text("default.ppk").replace(/^Argon2-Passes: .*$/m, "Argon2-Passes: 1e3");
    await expect(parsePrivateKey(garbled, PASS, RSA_2048_EXACT)).rejects.toMatchObject({ code: "NOT_A_KEY" });
    expect(argon2Calls()).toBe(0);
  });

  it.each(["default.ppk", "memory-at-limit.ppk", "passes-at-limit.ppk"])("reads %s, and Argon2 does run", async (name) => {
    const parsed = await parsePrivateKey(text(name), PASS, RSA_2048_EXACT);
    expect(parsed).toMatchObject({ sourceFormat: "ppk-v3", wasEncrypted: true });
    expect(argon2Calls()).toBe(1);
  });

  it("the fix in the message works: puttygen --reencrypt", async () => {
    await run("puttygen", ["-q", file("passes-over.ppk"), "--old-passphrase", file("pass.txt"), "--reencrypt", "-o", file("portal-key.ppk")]);
    expect((await parsePrivateKey(text("portal-key.ppk"), PASS, RSA_2048_EXACT)).sourceFormat).toBe("ppk-v3");
  });
});

describe("encrypted PKCS#8 keys (PBKDF2, PKCS#12 PBE, scrypt)", () => {
  it("refuses PBKDF2 iterations over the limit before OpenSSL derives anything", async () => {
    const message = await expectRefusedBeforeAnyWork("pbkdf2-over.pem");
    expect(message).toContain("1,000,001 key-derivation iterations");
    expect(message).toContain("at most 1,000,000");
    expect(message).toContain("ssh-keygen -p -f portal-key");
  });

  it("refuses a PKCS#12-style PBE over the limit the same way", async () => {
    expect(await expectRefusedBeforeAnyWork("pkcs12-pbe-over.pem")).toContain("1,000,001 key-derivation iterations");
  });

  it("refuses scrypt whose N × r × p is over the limit", async () => {
    expect(await expectRefusedBeforeAnyWork("scrypt-over.pem")).toContain("N × r × p = 1,048,576");
  });

  it.each(["pbkdf2-default.pem", "scrypt-default.pem"])("reads %s", async (name) => {
    const parsed = await parsePrivateKey(text(name), PASS, RSA_2048_EXACT);
    expect(parsed).toMatchObject({ sourceFormat: "pkcs8", wasEncrypted: true });
    expect(pkcs8Derivations()).toBeGreaterThan(0);
  });

  it("refuses an encrypted PKCS#8 whose protection it cannot read, instead of letting OpenSSL guess", async () => {
    const pem = text("pbkdf2-default.pem");
    const der = findPemBlock(pem)!.der;
    der[8] ^= 0xff; // inside the PBES2 object identifier
    const damaged = `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${der.toString("base64").match(/.{1,64}/g)!.join("\n")}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
    await expect(parsePrivateKey(damaged, PASS, RSA_2048_EXACT)).rejects.toMatchObject({ code: "UNSUPPORTED_FORMAT" });
    expect(pkcs8Derivations()).toBe(0);
  });

  it("the fix in the message works: ssh-keygen -p on a copy", async () => {
    fs.copyFileSync(file("pbkdf2-over.pem"), file("portal-key-pem"));
    fs.chmodSync(file("portal-key-pem"), 0o600);
    await run("ssh-keygen", ["-q", "-p", "-P", PASS, "-N", PASS, "-f", file("portal-key-pem")]);
    expect((await parsePrivateKey(text("portal-key-pem"), PASS, RSA_2048_EXACT)).sourceFormat).toBe("openssh");
  });
});

describe("the upload form", () => {
  async function accountFor(organisationId: string) {
    const db = await getDb();
    const [destination] = await db
      .insert(destinations)
      .values({ name: `Payer ${Math.random()}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password_and_key", keyBits: 2048, keyBitsMode: "exact" })
      .returning();
    const [account] = await db.insert(partnerAccounts).values({ organisationId, destinationId: destination.id, username: "clinic01" }).returning();
    return account;
  }

  it("shows the refusal on the private key field, whatever the passphrase, and stores nothing", async () => {
    const partner = await partnerIn();
    const account = await accountFor(partner.organisation.id);
    for (const [name, passphrase] of [["rsa-a200", PASS], ["rsa-a200", "wrong"], ["passes-over.ppk", undefined], ["pbkdf2-over.pem", "wrong"]] as const) {
      const error = await uploadPrivateKey(partner.actor, account.id, text(name), passphrase).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(UserInputError);
      expect(error).toMatchObject({ field: "privateKey", message: expect.stringMatching(/passphrase protection .* the portal/) });
    }
    expect((await loadDeliveryCredentials(systemActor("relay-worker"), account.id)).privateKey).toBeUndefined();
  });

  it("stores an accepted key decrypted, so a delivery never runs a key derivation", async () => {
    const partner = await partnerIn();
    const account = await accountFor(partner.organisation.id);
    await uploadPrivateKey(partner.actor, account.id, text("default.ppk"), PASS);
    const credentials = await loadDeliveryCredentials(systemActor("relay-worker"), account.id);
    expect(credentials.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n(?!Proc-Type)/);
    expect(credentials.passphrase).toBeUndefined();
  });
});
