/**
 * The SFTP engine against the real OpenSSH server (Debian's sshd with internal-sftp), configured
 * like the payers: AuthenticationMethods password,publickey.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { generateClientKeyPair, type ClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { sftpDriver } from "@/lib/sftp";
import { TransferError } from "@/lib/transfers/errors";
import { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, UpstreamCredentials, ValidatedTarget } from "@/lib/transfers/types";
import { startRealSshd, type RealSshd } from "@/test/support/sshd";

const PASSPHRASE = "sshd key passphrase 42";

let sshd: RealSshd;
let workDir: string;
let partnerKey: ClientKeyPair;
let strangerKey: ClientKeyPair;
const transcripts: Transcript[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "sftp-sshd-test-"));
  partnerKey = generateClientKeyPair({ passphrase: PASSPHRASE });
  strangerKey = generateClientKeyPair();
  sshd = await startRealSshd();
  await sshd.authorizeKey(partnerKey.publicKey);
});

afterEach(async () => {
  for (const name of await readdir(sshd.incomingDir)) await rm(path.join(sshd.incomingDir, name), { recursive: true, force: true });
});

afterAll(async () => {
  await sshd?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function credentials(overrides: Partial<UpstreamCredentials> = {}): UpstreamCredentials {
  return { username: sshd.username, password: sshd.password, privateKey: partnerKey.privateKey, passphrase: PASSPHRASE, ...overrides };
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

async function stagedFile(name: string, size: number) {
  const content = randomBytes(size);
  const localPath = path.join(workDir, name);
  await writeFile(localPath, content);
  return { localPath, content };
}

function deliver(options: {
  localPath: string;
  remoteName: string;
  credentials?: UpstreamCredentials;
  destination?: Partial<DestinationSpec>;
  target?: ValidatedTarget;
}) {
  const { destination, target } = localSftpDestination(sshd, { remoteDir: sshd.incomingDir, ...options.destination });
  const transcript = new Transcript();
  transcripts.push(transcript);
  const run = sftpDriver.deliver({
    destination,
    target: options.target ?? target,
    credentials: options.credentials ?? credentials(),
    localPath: options.localPath,
    remoteName: options.remoteName,
    transcript,
  });
  return { run, transcript };
}

async function failure(promise: Promise<unknown>): Promise<TransferError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransferError);
  return error as TransferError;
}

/** A TCP relay to sshd that cuts both sides once the client has sent `cutAfterBytes`. */
async function startCuttingRelay(cutAfterBytes: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect({ host: sshd.host, port: sshd.port });
    sockets.add(client).add(upstream);
    let sent = 0;
    client.on("data", (chunk: Buffer) => {
      sent += chunk.length;
      upstream.write(chunk);
      if (sent > cutAfterBytes) {
        client.destroy();
        upstream.destroy();
      }
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    for (const socket of [client, upstream]) {
      socket.on("error", () => {});
      socket.on("close", () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  return {
    port: (relay.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        relay.close(() => resolve());
      }),
  };
}

describe("SFTP delivery to a real OpenSSH server", () => {
  it("delivers with password + key, posix-rename and a size check", async () => {
    const { localPath, content } = await stagedFile("remit-835.x12", 3_000_000);
    const { run, transcript } = deliver({ localPath, remoteName: "remit-835.x12" });
    const result = await run;
    expect(result).toMatchObject({ remotePath: `${sshd.incomingDir}/remit-835.x12`, bytes: 3_000_000, resumedFromByte: 0 });
    expect(result.negotiated.serverBanner).toMatch(/^SSH-2\.0-OpenSSH_/);
    expect(result.negotiated.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
    expect(sha256(await readFile(path.join(sshd.incomingDir, "remit-835.x12")))).toBe(sha256(content));
    expect(await readdir(sshd.incomingDir)).toEqual(["remit-835.x12"]);
    const text = transcript.toText();
    expect(text).toContain('Method "password" resulted in partial success; server asks for: publickey');
    expect(text).toContain("posix-rename");
  });

  it("the legacy profile still negotiates modern algorithms with a modern server", async () => {
    const { localPath } = await stagedFile("legacy-profile.x12", 10_000);
    const result = await deliver({ localPath, remoteName: "legacy-profile.x12", destination: { algorithmProfile: "legacy" } }).run;
    expect(result.negotiated.kex).toMatch(/curve25519|ecdh/);
    expect(result.negotiated.cipher).not.toMatch(/cbc/);
  });

  it("resumes a temp file left by an earlier attempt", async () => {
    const { localPath, content } = await stagedFile("partial.x12", 1_000_000);
    const tempPath = path.join(sshd.incomingDir, "partial.x12.part");
    await writeFile(tempPath, content.subarray(0, 300_000));
    await chown(tempPath, sshd.uid, sshd.gid);
    const result = await deliver({ localPath, remoteName: "partial.x12" }).run;
    expect(result.resumedFromByte).toBe(300_000);
    expect(sha256(await readFile(path.join(sshd.incomingDir, "partial.x12")))).toBe(sha256(content));
    expect(existsSync(tempPath)).toBe(false);
  });

  it("reports CONNECTION_LOST when the link is cut mid-upload, and the next attempt resumes", async () => {
    // Cut well into the upload: sshd drops the writes still queued on a dead connection, so an
    // early cut can leave an empty temp file and nothing to resume from.
    const { localPath, content } = await stagedFile("cut.x12", 16_000_000);
    const relay = await startCuttingRelay(8_000_000);
    try {
      const { destination, target } = localSftpDestination(sshd, { remoteDir: sshd.incomingDir });
      const cut = await failure(deliver({ localPath, remoteName: "cut.x12", target: { ...target, port: relay.port }, destination }).run);
      expect(cut.code).toBe("CONNECTION_LOST");
    } finally {
      await relay.close();
    }
    // sshd's sftp-server applies the writes it already received; wait until the partial file settles.
    const tempPath = path.join(sshd.incomingDir, "cut.x12.part");
    // Settled means: non-empty and unchanged across two polls (sshd may still be applying writes).
    const sizeNow = () => (existsSync(tempPath) ? statSync(tempPath).size : -1);
    let partial = -1;
    for (let i = 0; i < 100 && (partial <= 0 || partial !== sizeNow()); i++) {
      partial = sizeNow();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(content.length);
    expect(existsSync(path.join(sshd.incomingDir, "cut.x12"))).toBe(false);

    const result = await deliver({ localPath, remoteName: "cut.x12" }).run;
    expect(result.resumedFromByte).toBe(partial);
    expect(sha256(await readFile(path.join(sshd.incomingDir, "cut.x12")))).toBe(sha256(content));
  });

  it("refuses a host key that is not pinned, before authenticating", async () => {
    const { localPath } = await stagedFile("pin.x12", 1_000);
    const { run, transcript } = deliver({
      localPath,
      remoteName: "pin.x12",
      destination: { hostKeyFingerprints: ["SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] },
    });
    const error = await failure(run);
    expect(error.code).toBe("HOSTKEY_MISMATCH");
    expect(error.detail).toContain(sshd.hostKeyFingerprint);
    expect(transcript.lines.some((l) => l.stage === "auth")).toBe(false);
  });

  it("tells a wrong password from an unregistered key", async () => {
    const { localPath } = await stagedFile("auth.x12", 1_000);
    expect((await failure(deliver({ localPath, remoteName: "auth.x12", credentials: credentials({ password: "wrong-password-1" }) }).run)).code).toBe(
      "AUTH_PASSWORD_REJECTED",
    );
    const wrongKey = await failure(
      deliver({ localPath, remoteName: "auth.x12", credentials: credentials({ privateKey: strangerKey.privateKey, passphrase: undefined }) }).run,
    );
    expect(wrongKey.code).toBe("AUTH_KEY_REJECTED");
  });

  it("maps a read-only directory, a missing directory and a refused rename", async () => {
    const home = path.dirname(sshd.incomingDir);
    const readOnlyDir = path.join(home, "readonly");
    await mkdir(readOnlyDir, { recursive: true }); // owned by root: the test account may not write there
    const { localPath } = await stagedFile("errors.x12", 10_000);
    expect((await failure(deliver({ localPath, remoteName: "errors.x12", destination: { remoteDir: readOnlyDir } }).run)).code).toBe(
      "REMOTE_PERMISSION",
    );
    expect((await failure(deliver({ localPath, remoteName: "errors.x12", destination: { remoteDir: `${home}/nope` } }).run)).code).toBe(
      "REMOTE_DIR_NOT_FOUND",
    );
    // A directory squatting on the final name: the server cannot rename the file onto it.
    await mkdir(path.join(sshd.incomingDir, "errors.x12"));
    expect((await failure(deliver({ localPath, remoteName: "errors.x12" }).run)).code).toBe("RENAME_REFUSED");
  });

  it("fetches the host key fingerprint that ssh-keygen prints", async () => {
    const { destination, target } = localSftpDestination(sshd, { hostKeyFingerprints: [] });
    const transcript = new Transcript();
    const identity = await sftpDriver.fetchServerIdentity(destination, target, transcript);
    expect(identity).toMatchObject({ kind: "ssh-host-key", algorithm: "ssh-ed25519", sha256: sshd.hostKeyFingerprint });
    expect(identity.banner).toMatch(/^SSH-2\.0-OpenSSH_/);
    expect(transcript.lines.some((l) => l.stage === "auth")).toBe(false);
  });

  it("keeps secrets out of every transcript", () => {
    expect(transcripts.length).toBeGreaterThan(8);
    for (const transcript of transcripts) {
      const text = transcript.toText();
      expect(text).not.toContain(sshd.password);
      expect(text).not.toContain(PASSPHRASE);
      expect(text).not.toContain("wrong-password-1");
    }
  });
});
