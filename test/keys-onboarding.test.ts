import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, destinations, partnerAccounts, secrets, sessions, sshKeys } from "@/db/schema";
import { attachPrivateKey, decideKey, downloadPrivateKeyOnce, exportPublicKey, generateKey, listAccountKeys, listKeyQueue, uploadPrivateKey, uploadPublicKey } from "@/lib/partner-keys/service";
import { loadDeliveryCredentials } from "@/lib/partner-accounts/service";
import { systemActor } from "@/lib/auth/actor";
import { requireRecentAuthentication } from "@/lib/auth/recent-auth";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import { actorFor, partnerIn, staff, TEST_PASSWORD } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

const temporaryDirectories: string[] = [];
function temporaryDirectory(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporaryDirectories.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temporaryDirectories) fs.rmSync(dir, { recursive: true, force: true });
});

useTemporaryPortalEnv();
withTestDatabase();

async function accountFor(organisationId: string, keyBits = 2048) {
  const db = await getDb();
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Payer ${Math.random()}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password_and_key", keyBits, keyBitsMode: "exact" })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId, destinationId: destination.id, username: "clinic01" }).returning();
  return account;
}

async function auditActions(organisationId: string) {
  const db = await getDb();
  return (await db.select().from(auditEvents).where(eq(auditEvents.organisationId, organisationId))).map((e) => e.action);
}

describe("key generation and downloads", () => {
  it("generates an RSA-2048 key held encrypted, exports the public key in three formats", async () => {
    const partner = await partnerIn();
    const account = await accountFor(partner.organisation.id);
    const key = await generateKey(partner.actor, account.id);
    expect(key).toMatchObject({ bits: 2048, status: "pending", source: "generated", hasPrivateKey: true });
    const openssh = await exportPublicKey(partner.actor, key.id, "openssh");
    expect(openssh.content).toMatch(/^ssh-rsa AAAA[^\s]+ clinic01@edi-portal\n$/);
    expect((await exportPublicKey(partner.actor, key.id, "rfc4716")).content).toContain("---- BEGIN SSH2 PUBLIC KEY ----");
    expect((await exportPublicKey(partner.actor, key.id, "pem")).content).toContain("-----BEGIN PUBLIC KEY-----");
    // The fingerprint shown is the one ssh-keygen computes.
    const file = path.join(temporaryDirectory("pub-"), "key.pub");
    fs.writeFileSync(file, openssh.content);
    expect(execFileSync("ssh-keygen", ["-lf", file], { encoding: "utf8" })).toContain(key.sha256);
    expect(execFileSync("ssh-keygen", ["-E", "md5", "-lf", file], { encoding: "utf8" })).toContain(key.md5);
    const db = await getDb();
    const [stored] = await db.select().from(secrets).where(eq(secrets.ownerId, key.id));
    expect(stored.sealed).not.toContain("PRIVATE KEY");
    expect(await auditActions(partner.organisation.id)).toContain("key.generated");
  });

  it("refuses a size the destination does not allow", async () => {
    const partner = await partnerIn();
    const account = await accountFor(partner.organisation.id);
    await expect(generateKey(partner.actor, account.id, 4096)).rejects.toThrow(/2048-bit/);
  });

  it("hands out the private key exactly once, encrypted with the partner's passphrase", async () => {
    const partner = await partnerIn();
    const account = await accountFor(partner.organisation.id);
    const key = await generateKey(partner.actor, account.id);
    await expect(downloadPrivateKeyOnce(partner.actor, key.id, "short")).rejects.toThrow(/at least 8/);
    const file = await downloadPrivateKeyOnce(partner.actor, key.id, "a good passphrase");
    expect(file.content).toContain("-----BEGIN OPENSSH PRIVATE KEY-----");
    const keyFile = path.join(temporaryDirectory("priv-"), "id_rsa");
    fs.writeFileSync(keyFile, file.content, { mode: 0o600 });
    const derived = execFileSync("ssh-keygen", ["-y", "-P", "a good passphrase", "-f", keyFile], { encoding: "utf8" });
    expect(derived.split(" ")[1]).toBe((await exportPublicKey(partner.actor, key.id, "openssh")).content.split(" ")[1]);
    await expect(downloadPrivateKeyOnce(partner.actor, key.id, "a good passphrase")).rejects.toThrow(/already downloaded/);
    expect((await auditActions(partner.organisation.id)).filter((a) => a === "key.private_downloaded")).toHaveLength(1);
  });
});

describe("key uploads", () => {
  it("explains text that is not a key, and refuses a private key in the public field without storing it", async () => {
    const partner = await partnerIn();
    const account = await accountFor(partner.organisation.id);
    await expect(uploadPublicKey(partner.actor, account.id, "hello, this is my key")).rejects.toMatchObject({ field: "publicKey", message: expect.stringMatching(/does not look like an SSH key/) });
    const { privateKey } = (await import("node:crypto")).generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const error = (await uploadPublicKey(partner.actor, account.id, pem).catch((e: UserInputError) => e)) as UserInputError;
    expect(error).toBeInstanceOf(UserInputError);
    expect(error.message).toMatch(/PRIVATE key/);
    expect(error.message).not.toContain("MII");
    const db = await getDb();
    expect(await db.select().from(sshKeys).where(eq(sshKeys.partnerAccountId, account.id))).toHaveLength(0);
    expect(JSON.stringify(await db.select().from(auditEvents))).not.toContain(pem.split("\n")[1]);
    expect(await auditActions(partner.organisation.id)).toContain("key.private_pasted_as_public");
  });

  it("attaches a private key to its registered public key, and refuses one that does not match", async () => {
    const partner = await partnerIn();
    const account = await accountFor(partner.organisation.id);
    const { generateKeyPairSync } = await import("node:crypto");
    const mine = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const publicPem = mine.publicKey.export({ type: "spki", format: "pem" }).toString();
    const registered = await uploadPublicKey(partner.actor, account.id, publicPem);
    expect(registered).toMatchObject({ hasPrivateKey: false, source: "uploaded_public" });
    await expect(attachPrivateKey(partner.actor, registered.id, other.privateKey.export({ type: "pkcs1", format: "pem" }).toString(), undefined)).rejects.toThrow(/does not belong/);
    const encrypted = mine.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "open sesame" }).toString();
    await expect(attachPrivateKey(partner.actor, registered.id, encrypted, "wrong one")).rejects.toMatchObject({ field: "passphrase" });
    await attachPrivateKey(partner.actor, registered.id, encrypted, "open sesame");
    expect((await listAccountKeys(partner.actor, account.id))[0].hasPrivateKey).toBe(true);
    const credentials = await loadDeliveryCredentials(systemActor("relay-worker"), account.id);
    expect(credentials.privateKey).toContain("BEGIN RSA PRIVATE KEY");
  });

  it("refuses a key whose passphrase hashing is over the KDF limit, through the crypto worker thread, on the private-key field", async () => {
    const partner = await partnerIn();
    const account = await accountFor(partner.organisation.id);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdf-upload-"));
    try {
      const file = path.join(dir, "costly");
      execFileSync("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-a", "500", "-N", "a long passphrase", "-C", "costly", "-f", file]);
      const refused = uploadPrivateKey(partner.actor, account.id, fs.readFileSync(file, "utf8"), "a long passphrase");
      await expect(refused).rejects.toBeInstanceOf(UserInputError);
      await expect(refused).rejects.toMatchObject({ field: "privateKey", message: expect.stringMatching(/500 bcrypt rounds.*64.*ssh-keygen -p -a 16/s) });
      expect(await listAccountKeys(partner.actor, account.id)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a 1024-bit key with a message that says what to do", async () => {
    const partner = await partnerIn();
    const account = await accountFor(partner.organisation.id);
    const { generateKeyPairSync } = await import("node:crypto");
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 });
    await expect(uploadPrivateKey(partner.actor, account.id, small.privateKey.export({ type: "pkcs1", format: "pem" }).toString(), undefined)).rejects.toThrow(/has 1024 bits; this destination requires an RSA key of exactly 2048 bits. Use the portal.s key generator/);
  });
});

describe("admin key onboarding", () => {
  it("queues new keys; approval installs and retires the previous key; rejection carries a reason", async () => {
    const partner = await partnerIn();
    const account = await accountFor(partner.organisation.id);
    const { actor: admin } = await staff("admin");
    const { actor: support } = await staff("support");
    const first = await generateKey(partner.actor, account.id);
    expect((await listKeyQueue(admin)).map((q) => q.key.id)).toContain(first.id);
    await expect(decideKey(support, first.id, { installed: true })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(decideKey(partner.actor, first.id, { installed: true })).rejects.toBeInstanceOf(ForbiddenError);
    await decideKey(admin, first.id, { installed: true });
    const second = await generateKey(partner.actor, account.id);
    await decideKey(admin, second.id, { installed: true });
    const third = await generateKey(partner.actor, account.id);
    await decideKey(admin, third.id, { installed: false, reason: "The payer only accepts keys sent by your security officer." });
    const keys = await listAccountKeys(partner.actor, account.id);
    expect(Object.fromEntries(keys.map((k) => [k.id, k.status]))).toEqual({ [first.id]: "retired", [second.id]: "installed", [third.id]: "rejected" });
    expect(keys.find((k) => k.id === third.id)?.decisionReason).toMatch(/security officer/);
    expect(await auditActions(partner.organisation.id)).toEqual(expect.arrayContaining(["key.approved", "key.rejected"]));
  });

  it("another organisation's keys do not exist for a partner", async () => {
    const a = await partnerIn();
    const b = await partnerIn();
    const account = await accountFor(a.organisation.id);
    const key = await generateKey(a.actor, account.id);
    await expect(exportPublicKey(b.actor, key.id, "openssh")).rejects.toBeInstanceOf(NotFoundError);
    await expect(downloadPrivateKeyOnce(b.actor, key.id, "whatever passphrase")).rejects.toBeInstanceOf(NotFoundError);
    await expect(generateKey(b.actor, account.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(listAccountKeys(b.actor, account.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("recent authentication for sensitive actions", () => {
  it("asks for the password after five minutes, and accepts it once entered", async () => {
    const partner = await partnerIn();
    const db = await getDb();
    await db.update(sessions).set({ reauthenticatedAt: new Date(Date.now() - 6 * 60_000) }).where(eq(sessions.id, partner.actor.sessionId));
    const stale = await actorFor(partner.user.id).then(async () => {
      const { resolveSessionActor } = await import("@/lib/auth/sessions");
      return (await resolveSessionActor(partner.actor.sessionId, null))!;
    });
    await expect(requireRecentAuthentication(stale, {})).rejects.toMatchObject({ field: "currentPassword" });
    await expect(requireRecentAuthentication(stale, { currentPassword: "not my password" })).rejects.toThrow(/not your portal password/);
    await requireRecentAuthentication(stale, { currentPassword: TEST_PASSWORD });
    const { resolveSessionActor } = await import("@/lib/auth/sessions");
    const fresh = (await resolveSessionActor(partner.actor.sessionId, null))!;
    await expect(requireRecentAuthentication(fresh)).resolves.toBeUndefined();
  });
});
