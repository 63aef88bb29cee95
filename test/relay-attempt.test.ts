import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts, sshKeys, transfers } from "@/db/schema";
import { storeSecret } from "@/lib/vault/secret-store";
import { getTransferDetail } from "@/lib/transfers/records";
import { insertTransfer } from "@/db/repositories/transfers";
import { systemActor } from "@/lib/auth/actor";
import { generateRsaKeyPair } from "@/lib/keys";
import { runDeliveryAttempt } from "@/lib/transfers/delivery/attempt";
import { attemptRate, bytesSentByAttempt, formatRate } from "@/lib/transfers/attempt-stats";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { newStagingKey, writeStagedFile } from "@/lib/transfers/staging/files";
import { createOrganisation, partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

const { dataDir } = useTemporaryPortalEnv();
withTestDatabase();

const PASSWORD = "payer-issued-Pa55word";
let server: SandboxSftpServer;
let publicKey: string;
let privateKeyPem: string;

beforeAll(async () => {
  const pair = await generateRsaKeyPair(2048, "relay-test");
  publicKey = pair.publicKey.openssh;
  privateKeyPem = pair.privateKeyPem;
  server = await startSandboxSftpServer({ rootDir: path.join(dataDir, "payer"), users: [{ username: "clinic", password: PASSWORD, publicKeys: [publicKey] }] });
});
afterAll(async () => {
  await server?.close();
});

async function setup(options: { password?: string; withKey?: boolean; port?: number; content?: string } = {}) {
  const db = await getDb();
  const organisation = await createOrganisation("approved");
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Sandbox ${Math.random()}`, protocol: "sftp", host: "127.0.0.1", port: options.port ?? server.port, remoteDir: "/incoming", auth: "password_and_key", hostKeyFingerprints: [server.hostKeyFingerprint], connectTimeoutMs: 3000, idleTimeoutMs: 10000 })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: organisation.id, destinationId: destination.id, username: "clinic" }).returning();
  await storeSecret({ kind: "partner_account", id: account.id }, "upstream_password", options.password ?? PASSWORD, null);
  if (options.withKey !== false) {
    const [key] = await db
      .insert(sshKeys)
      .values({ organisationId: organisation.id, partnerAccountId: account.id, algorithm: "rsa", bits: 2048, opensshPublic: publicKey, sha256: "x", md5: "x", source: "generated", hasPrivateKey: true, status: "installed" })
      .returning();
    await storeSecret({ kind: "ssh_key", id: key.id }, "private_key", privateKeyPem, null);
  }
  const stagingKey = newStagingKey();
  const content = options.content ?? `ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *${Date.now()}~\n`;
  await writeStagedFile(stagingKey, content);
  const remoteName = `S000000050A49-20261121-${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}T.TXT`;
  const transfer = await insertTransfer(await getDb(), {
    organisationId: organisation.id,
    partnerAccountId: account.id,
    destinationId: destination.id,
    kind: "upload",
    mode: "test",
    originalName: remoteName,
    remoteName,
    sizeBytes: Buffer.byteLength(content),
    sha256: null,
    stagingKey,
    uploadedBy: null,
    uploaderIp: "127.0.0.1",
    status: "queued",
  });
  return { transfer, content, remoteName, organisation };
}

describe("a relay attempt through the engine", () => {
  it("delivers a staged file with password and key from the vault, and records the transcript", async () => {
    const { transfer, content, remoteName } = await setup();
    const result = await runDeliveryAttempt(systemActor("relay-worker"), transfer.id, { isLastAttempt: false });
    expect(result).toEqual({ status: "delivered", error: undefined, attemptNumber: 1 });
    expect(fs.readFileSync(path.join(dataDir, "payer", "incoming", remoteName), "utf8")).toBe(content);
    const { actor: support } = await staff("support");
    const detail = await getTransferDetail(support, transfer.id);
    expect(detail.transfer.status).toBe("delivered");
    expect(detail.attempts).toHaveLength(1);
    const transcript = detail.attempts[0].transcript.map((l) => l.message).join("\n");
    expect(transcript).toMatch(/partial success/i);
    expect(transcript).not.toContain(PASSWORD);
    expect(transcript).not.toContain("PRIVATE KEY");
  });

  it("stops at needs_attention on a rejected password (permanent)", async () => {
    const { transfer } = await setup({ password: "not-the-password" });
    const result = await runDeliveryAttempt(systemActor("relay-worker"), transfer.id, { isLastAttempt: false });
    expect(result.status).toBe("needs_attention");
    expect(result.error?.code).toBe("AUTH_PASSWORD_REJECTED");
    const db = await getDb();
    const [row] = await db.select().from(transfers).where(eq(transfers.id, transfer.id));
    expect(row).toMatchObject({ status: "needs_attention", lastErrorCode: "AUTH_PASSWORD_REJECTED", attemptCount: 1 });
    // The transcript says why once: the protocol layer's error line is not repeated at the end.
    const { actor: support } = await staff("support");
    const [attempt] = (await getTransferDetail(support, transfer.id)).attempts;
    const errorLines = attempt.transcript.filter((line) => line.stage === "error" && line.message.includes("AUTH_PASSWORD_REJECTED:"));
    expect(errorLines).toHaveLength(1);
    expect(attempt).toMatchObject({ bytes: 0, resumedFromByte: 0 });
  });

  it("records the bytes a cut attempt sent, and the resumed attempt's own bytes and rate", async () => {
    const content = `ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *${Date.now()}~\n${"NM1*IL*1*DOE*JANE~\n".repeat(40_000)}`;
    const { transfer } = await setup({ content });
    // A link slow enough that the server acknowledges writes before it drops the connection.
    server.setFaults({ dropAfterBytes: 512 * 1024, slowLinkBytesPerSecond: 4_000_000 });
    try {
      const cut = await runDeliveryAttempt(systemActor("relay-worker"), transfer.id, { isLastAttempt: false });
      expect(cut).toMatchObject({ status: "queued", attemptNumber: 1 });
    } finally {
      server.setFaults({});
    }
    const resumed = await runDeliveryAttempt(systemActor("relay-worker"), transfer.id, { isLastAttempt: false });
    expect(resumed).toMatchObject({ status: "delivered", attemptNumber: 2 });
    const { actor: support } = await staff("support");
    const [first, second] = (await getTransferDetail(support, transfer.id)).attempts;
    // The cut attempt sent part of the file (acknowledged by the server), not "0".
    expect(first.errorCode).toBeTruthy();
    expect(first.resumedFromByte).toBe(0);
    expect(first.bytes).toBeGreaterThan(0);
    expect(first.bytes).toBeLessThan(content.length);
    expect(first.bytes).toBeLessThanOrEqual(second.resumedFromByte);
    // The resumed one sent only the rest: its rate is computed from that, not from the file's size.
    expect(second).toMatchObject({ bytes: content.length, errorCode: null });
    expect(second.resumedFromByte).toBeGreaterThan(0);
    expect(bytesSentByAttempt(second)).toBe(content.length - second.resumedFromByte);
    expect(attemptRate(second)).toBe(formatRate((content.length - second.resumedFromByte) / (second.durationMs! / 1000)));
    // Log and page agree: the transcript names the attempt by the number the page shows.
    expect(second.transcript[0].message).toMatch(/^Attempt 2:/);
  });

  it("reports a missing key before connecting", async () => {
    const { transfer } = await setup({ withKey: false });
    const result = await runDeliveryAttempt(systemActor("relay-worker"), transfer.id, { isLastAttempt: false });
    expect(result).toMatchObject({ status: "needs_attention", error: { code: "CREDENTIALS_MISSING" } });
  });

  it("requeues a transient failure, and fails it on the last attempt", async () => {
    const closed = await startSandboxSftpServer({ rootDir: path.join(dataDir, "closed"), users: [] });
    const port = closed.port;
    await closed.close();
    const { transfer } = await setup({ port });
    expect((await runDeliveryAttempt(systemActor("relay-worker"), transfer.id, { isLastAttempt: false })).status).toBe("queued");
    const last = await runDeliveryAttempt(systemActor("relay-worker"), transfer.id, { isLastAttempt: true });
    expect(last).toMatchObject({ status: "failed", error: { code: "TCP_REFUSED" } });
  });

  it("hides another organisation's transfer from a partner", async () => {
    const { transfer } = await setup();
    const other = await partnerIn();
    await expect(getTransferDetail(other.actor, transfer.id)).rejects.toThrow(/not found/);
  });
});
