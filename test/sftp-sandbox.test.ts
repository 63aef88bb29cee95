/**
 * The SFTP engine against the sandbox payer (a real ssh2 SFTP server on loopback): password then
 * public key, legacy algorithms, and faults switched on at run time.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { generateClientKeyPair, type ClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { changeDirectory, listDirectory, openSftpSession, sftpDriver, type SftpStage, type StageInfo } from "@/lib/sftp";
import { TransferError } from "@/lib/transfers/errors";
import { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, UpstreamCredentials } from "@/lib/transfers/types";

const USERNAME = "fl-partner-0050";
const PASSWORD = "Tr0ub4dor&3-payer";
const PASSPHRASE = "correct horse battery staple";

let workDir: string;
let rootDir: string;
let incoming: string;
let server: SandboxSftpServer;
let partnerKey: ClientKeyPair;
let strangerKey: ClientKeyPair;
const transcripts: Transcript[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "sftp-sandbox-test-"));
  rootDir = path.join(workDir, "payer");
  incoming = path.join(rootDir, "incoming");
  partnerKey = generateClientKeyPair({ passphrase: PASSPHRASE });
  strangerKey = generateClientKeyPair();
  server = await startSandboxSftpServer({
    rootDir,
    users: [{ username: USERNAME, password: PASSWORD, publicKeys: [partnerKey.publicKey] }],
  });
});

afterEach(async () => {
  server.setFaults({});
  for (const name of await readdir(incoming)) await rm(path.join(incoming, name), { recursive: true, force: true });
});

afterAll(async () => {
  await server?.close();
  await rm(workDir, { recursive: true, force: true });
});

function goodCredentials(overrides: Partial<UpstreamCredentials> = {}): UpstreamCredentials {
  return { username: USERNAME, password: PASSWORD, privateKey: partnerKey.privateKey, passphrase: PASSPHRASE, ...overrides };
}

async function stagedFile(name: string, size: number): Promise<{ localPath: string; content: Buffer }> {
  const content = randomBytes(size);
  const localPath = path.join(workDir, name);
  await writeFile(localPath, content);
  return { localPath, content };
}

/** Compare file contents by digest: vitest's deep equality is far too slow on megabyte buffers. */
function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function newTranscript(): Transcript {
  const transcript = new Transcript();
  transcripts.push(transcript);
  return transcript;
}

async function deliver(options: {
  localPath: string;
  remoteName: string;
  credentials?: UpstreamCredentials;
  destination?: Partial<DestinationSpec>;
  onProgress?: (sent: number, total: number) => void;
}) {
  const { destination, target } = localSftpDestination(server, options.destination);
  const transcript = newTranscript();
  const run = sftpDriver.deliver({
    destination,
    target,
    credentials: options.credentials ?? goodCredentials(),
    localPath: options.localPath,
    remoteName: options.remoteName,
    transcript,
    onProgress: options.onProgress,
  });
  return { run, transcript };
}

async function deliveryError(promise: Promise<unknown>): Promise<TransferError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransferError);
  return error as TransferError;
}

describe("SFTP delivery to the sandbox payer", () => {
  it("uploads to a temp name, checks the size and renames, so the final name never holds a partial file", async () => {
    const { localPath, content } = await stagedFile("claims-837.x12", 3_000_000);
    const finalPath = path.join(incoming, "claims-837.x12");
    const tempPath = `${finalPath}.part`;
    const observations: Array<{ finalExists: boolean; tempExists: boolean }> = [];
    // Slow the link so the upload spans many progress callbacks while we look at the server's disk.
    server.setFaults({ slowLinkBytesPerSecond: 20_000_000 });

    const { run, transcript } = await deliver({
      localPath,
      remoteName: "claims-837.x12",
      onProgress: (sent, total) => {
        if (sent < total) observations.push({ finalExists: existsSync(finalPath), tempExists: existsSync(tempPath) });
      },
    });
    const result = await run;

    expect(observations.length).toBeGreaterThan(5);
    expect(observations.every((o) => !o.finalExists && o.tempExists)).toBe(true);
    expect(sha256(await readFile(finalPath))).toBe(sha256(content));
    expect(existsSync(tempPath)).toBe(false);
    expect(result).toMatchObject({ remotePath: "/incoming/claims-837.x12", bytes: content.length, resumedFromByte: 0 });
    expect(result.negotiated).toMatchObject({
      serverBanner: "SSH-2.0-PayerSandbox_1.0",
      hostKeyFingerprint: server.hostKeyFingerprint,
      compression: "none",
    });
    expect(result.negotiated.kex).toBeTruthy();
    expect(result.negotiated.cipher).toBeTruthy();
    const text = transcript.toText();
    expect(text).toContain('Method "password" resulted in partial success');
    expect(text).toContain("User authenticated OK");
    expect(text).toContain("SFTP protocol version 3");
    expect(text).toMatch(/Transferred 3000000 bytes in [\d.]+ s/);
    expect(text).toContain('rename "/incoming/claims-837.x12.part" -> "/incoming/claims-837.x12": OK');
  });

  it("writes straight to the final name with the direct strategy and still checks the size", async () => {
    const { localPath, content } = await stagedFile("direct.x12", 200_000);
    const { run, transcript } = await deliver({ localPath, remoteName: "direct.x12", destination: { uploadStrategy: "direct" } });
    await run;
    expect(sha256(await readFile(path.join(incoming, "direct.x12")))).toBe(sha256(content));
    expect(await readdir(incoming)).toEqual(["direct.x12"]);
    expect(transcript.toText()).toContain('Remote size of "/incoming/direct.x12": 200000');
    expect(transcript.toText()).not.toContain("rename");
  });

  it("reports CONNECTION_LOST when the link is cut, then resumes from the partial temp file", async () => {
    const { localPath, content } = await stagedFile("resume.x12", 2_000_000);
    server.setFaults({ dropAfterBytes: 700_000 });
    const first = await deliveryError((await deliver({ localPath, remoteName: "resume.x12" })).run);
    expect(first.code).toBe("CONNECTION_LOST");
    expect(first.transient).toBe(true);
    expect(statSync(path.join(incoming, "resume.x12.part")).size).toBe(700_000);
    expect(existsSync(path.join(incoming, "resume.x12"))).toBe(false);

    server.setFaults({});
    const { run, transcript } = await deliver({ localPath, remoteName: "resume.x12" });
    const result = await run;
    expect(result.resumedFromByte).toBe(700_000);
    expect(sha256(await readFile(path.join(incoming, "resume.x12")))).toBe(sha256(content));
    expect(existsSync(path.join(incoming, "resume.x12.part"))).toBe(false);
    expect(transcript.toText()).toContain("already holds 700000 of 2000000 bytes; resuming");
  });

  it("refuses a server whose host key is not the pinned one, before authenticating", async () => {
    const { localPath } = await stagedFile("hostkey.x12", 1_000);
    server.setFaults({ alternateHostKey: true });
    const { run, transcript } = await deliver({ localPath, remoteName: "hostkey.x12" });
    const error = await deliveryError(run);
    expect(error.code).toBe("HOSTKEY_MISMATCH");
    expect(error.detail).toContain(server.alternateHostKeyFingerprint);
    expect(transcript.lines.some((l) => l.stage === "auth")).toBe(false);
    expect(await readdir(incoming)).toEqual([]);
  });

  it("refuses an unpinned destination (fail closed)", async () => {
    const { localPath } = await stagedFile("unpinned.x12", 1_000);
    const { run, transcript } = await deliver({ localPath, remoteName: "unpinned.x12", destination: { hostKeyFingerprints: [] } });
    expect((await deliveryError(run)).code).toBe("HOSTKEY_MISMATCH");
    expect(transcript.lines.some((l) => l.stage === "auth")).toBe(false);
  });

  it("tells a wrong password from an unregistered key", async () => {
    const { localPath } = await stagedFile("auth.x12", 1_000);
    const wrongPassword = await deliver({ localPath, remoteName: "auth.x12", credentials: goodCredentials({ password: "not-the-password" }) });
    const passwordError = await deliveryError(wrongPassword.run);
    expect(passwordError.code).toBe("AUTH_PASSWORD_REJECTED");
    expect(wrongPassword.transcript.toText()).toContain('Method "password" was rejected');

    const wrongKey = await deliver({
      localPath,
      remoteName: "auth.x12",
      credentials: goodCredentials({ privateKey: strangerKey.privateKey, passphrase: undefined }),
    });
    const keyError = await deliveryError(wrongKey.run);
    expect(keyError.code).toBe("AUTH_KEY_REJECTED");
    expect(keyError.message).toContain("partial success");
    expect(wrongKey.transcript.toText()).toContain('Method "password" resulted in partial success');
    expect(wrongKey.transcript.toText()).toContain('Method "publickey" was rejected');
  });

  it("reports CREDENTIALS_MISSING when the server wants a key the account does not have", async () => {
    const { localPath } = await stagedFile("nokey.x12", 1_000);
    const { run } = await deliver({
      localPath,
      remoteName: "nokey.x12",
      credentials: { username: USERNAME, password: PASSWORD },
    });
    const error = await deliveryError(run);
    expect(error.code).toBe("CREDENTIALS_MISSING");
    expect(error.message).toContain("publickey");
  });

  it("locks the account after repeated failures and reports AUTH_LOCKED", async () => {
    const { localPath } = await stagedFile("lock.x12", 1_000);
    server.setFaults({ lockAfterFailures: 2 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const { run } = await deliver({ localPath, remoteName: "lock.x12", credentials: goodCredentials({ password: "guess" }) });
      expect((await deliveryError(run)).code).toBe("AUTH_PASSWORD_REJECTED");
    }
    const { run, transcript } = await deliver({ localPath, remoteName: "lock.x12" });
    const error = await deliveryError(run);
    expect(error.code).toBe("AUTH_LOCKED");
    expect(transcript.toText()).toContain("Banner: Account locked");
  });

  it("reports KEX_NO_MATCH for a legacy-only server with the modern profile, and succeeds with the legacy one", async () => {
    const { localPath, content } = await stagedFile("legacy.x12", 100_000);
    server.setFaults({ legacyOnly: true });
    const modern = await deliver({ localPath, remoteName: "legacy.x12" });
    const error = await deliveryError(modern.run);
    expect(error.code).toBe("KEX_NO_MATCH");
    expect(error.message).toContain("legacy algorithm profile would match");
    expect(error.detail).toMatch(/server offers only diffie-hellman-group14-sha1,diffie-hellman-group1-sha1/);
    expect(error.detail).toContain("curve25519-sha256");

    const legacy = await deliver({ localPath, remoteName: "legacy.x12", destination: { algorithmProfile: "legacy" } });
    const result = await legacy.run;
    expect(result.negotiated).toMatchObject({
      kex: "diffie-hellman-group1-sha1",
      hostKeyAlgorithm: "ssh-rsa",
      cipher: "aes256-cbc",
      mac: "hmac-md5",
    });
    expect(sha256(await readFile(path.join(incoming, "legacy.x12")))).toBe(sha256(content));
  });

  it("reports RENAME_REFUSED when the server forbids the rename, and leaves no final file", async () => {
    const { localPath } = await stagedFile("rename.x12", 50_000);
    server.setFaults({ refuseRename: true });
    const error = await deliveryError((await deliver({ localPath, remoteName: "rename.x12" })).run);
    expect(error.code).toBe("RENAME_REFUSED");
    expect(existsSync(path.join(incoming, "rename.x12"))).toBe(false);
  });

  it("reports REMOTE_PERMISSION on a read-only account and REMOTE_NO_SPACE on a full disk", async () => {
    const { localPath } = await stagedFile("perm.x12", 50_000);
    server.setFaults({ readOnly: true });
    expect((await deliveryError((await deliver({ localPath, remoteName: "perm.x12" })).run)).code).toBe("REMOTE_PERMISSION");
    server.setFaults({ noSpace: true });
    const full = await deliveryError((await deliver({ localPath, remoteName: "perm.x12" })).run);
    expect(full.code).toBe("REMOTE_NO_SPACE");
    expect(full.transient).toBe(true);
  });

  it("reports REMOTE_DIR_NOT_FOUND for a missing directory", async () => {
    const { localPath } = await stagedFile("nodir.x12", 1_000);
    const { run } = await deliver({ localPath, remoteName: "nodir.x12", destination: { remoteDir: "/outgoing" } });
    expect((await deliveryError(run)).code).toBe("REMOTE_DIR_NOT_FOUND");
  });

  it("times out with TIMEOUT_IDLE when the server stops answering mid-transfer", async () => {
    const { localPath } = await stagedFile("idle.x12", 500_000);
    server.setFaults({ slowLinkBytesPerSecond: 1_000 });
    const { run } = await deliver({ localPath, remoteName: "idle.x12", destination: { idleTimeoutMs: 1_000 } });
    const error = await deliveryError(run);
    expect(error.code).toBe("TIMEOUT_IDLE");
  });

  it("reports PROTOCOL_MISMATCH for an FTP server and TIMEOUT_IDLE for a silent one", async () => {
    const sockets = new Set<net.Socket>();
    const listen = async (onConnection: (socket: net.Socket) => void) => {
      const fake = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("error", () => {});
        onConnection(socket);
      });
      await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
      return fake;
    };
    const ftp = await listen((socket) => socket.write("220 Payer FTP server ready\r\n"));
    const silent = await listen(() => {});
    try {
      const { localPath } = await stagedFile("wrong-protocol.x12", 1_000);
      const attempt = (fake: net.Server) => {
        const port = (fake.address() as net.AddressInfo).port;
        const { destination, target } = localSftpDestination({ ...server, port }, { connectTimeoutMs: 500, idleTimeoutMs: 500 });
        return deliveryError(
          sftpDriver.deliver({ destination, target, credentials: goodCredentials(), localPath, remoteName: "x.x12", transcript: newTranscript() }),
        );
      };
      const mismatch = await attempt(ftp);
      expect(mismatch.code).toBe("PROTOCOL_MISMATCH");
      expect(mismatch.detail).toContain("220 Payer FTP server ready");
      expect((await attempt(silent)).code).toBe("TIMEOUT_IDLE");
    } finally {
      for (const socket of sockets) socket.destroy();
      ftp.close();
      silent.close();
    }
  });

  it("reports TCP_REFUSED when nothing listens on the port", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const { localPath } = await stagedFile("refused.x12", 1_000);
    const { destination, target } = localSftpDestination({ ...server, port: closedPort });
    const error = await deliveryError(
      sftpDriver.deliver({ destination, target, credentials: goodCredentials(), localPath, remoteName: "refused.x12", transcript: newTranscript() }),
    );
    expect(error.code).toBe("TCP_REFUSED");
  });
});

describe("server identity and staged sessions", () => {
  it("fetches the host key fingerprint without authenticating", async () => {
    const { destination, target } = localSftpDestination(server, { hostKeyFingerprints: [] });
    const transcript = newTranscript();
    const identity = await sftpDriver.fetchServerIdentity(destination, target, transcript);
    expect(identity).toMatchObject({ kind: "ssh-host-key", algorithm: "ssh-rsa", sha256: server.hostKeyFingerprint, banner: "SSH-2.0-PayerSandbox_1.0" });
    expect(identity.md5).toMatch(/^MD5:([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(transcript.lines.some((l) => l.stage === "auth")).toBe(false);

    server.setFaults({ alternateHostKey: true });
    const other = await sftpDriver.fetchServerIdentity(destination, target, newTranscript());
    expect(other.sha256).toBe(server.alternateHostKeyFingerprint);
  });

  it("reports every stage in order through the hooks", async () => {
    const stages: Array<[SftpStage, StageInfo]> = [];
    const { destination, target } = localSftpDestination(server);
    const session = await openSftpSession(destination, target, goodCredentials(), newTranscript(), {
      onStage: (stage, info) => stages.push([stage, info]),
    });
    try {
      await changeDirectory(session, "/incoming");
      await listDirectory(session, "/incoming");
    } finally {
      await session.close();
    }
    expect(stages.map(([stage]) => stage)).toEqual(["tcp", "banner", "kex", "hostkey", "auth", "sftp", "cd", "list"]);
    expect(stages.every(([, info]) => info.ok)).toBe(true);
    const kex = stages.find(([stage]) => stage === "kex")![1];
    expect((kex.data as { kex: { server: string[]; client: string[] } }).kex.server).toContain("diffie-hellman-group1-sha1");

    const failed: Array<[SftpStage, StageInfo]> = [];
    server.setFaults({ alternateHostKey: true });
    await expect(
      openSftpSession(destination, target, goodCredentials(), newTranscript(), { onStage: (stage, info) => failed.push([stage, info]) }),
    ).rejects.toMatchObject({ code: "HOSTKEY_MISMATCH" });
    expect(failed.at(-1)).toMatchObject(["hostkey", { ok: false }]);
  });

  it("never writes the password, the passphrase or the private key into a transcript", () => {
    expect(transcripts.length).toBeGreaterThan(10);
    const keyBody = partnerKey.privateKey.split("\n").filter((line) => line.length > 40)[2];
    for (const transcript of transcripts) {
      const text = transcript.toText();
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(PASSPHRASE);
      expect(text).not.toContain("not-the-password");
      expect(text).not.toContain(keyBody);
    }
  });
});
