/**
 * Relays on one thread share its buffers (lib/buffer-pool.ts): the blocks a staged file is read
 * into, the request buffers SFTP packets are encrypted in and a sealed file's ciphertext. Against
 * the real OpenSSH server, uploads of different files run at once in this process (one thread, one
 * pool), plain and sealed, one of them stopped mid-way, then more after them, their socket writes
 * waiting in a queue as on a slow payer link. A buffer handed back while a socket write of it was
 * still pending or a read still filled it would put one relay's bytes into another's file (or break
 * its MAC): every file is checked byte for byte on the server.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayBuffers } from "@/lib/buffer-pool";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { generateClientKeyPair, type ClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { newFileKey, writeSealedFile } from "@/lib/sealed-files/writer";
import { openSftpSession, uploadFile } from "@/lib/sftp";
import { Transcript } from "@/lib/transfers/transcript";
import { startRealSshd, type RealSshd } from "@/test/support/sshd";

// Several 1 MiB blocks and OpenSSH's 255 KiB requests, and an odd tail.
const FILE_BYTES = 5 * 1024 * 1024 + 54_321;

interface LocalFile {
  name: string;
  path: string;
  key: Buffer | null;
  sha256: string;
}

let workDir: string;
let clientKey: ClientKeyPair;
let sshd: RealSshd;

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "relay-buffer-pool-"));
  clientKey = generateClientKeyPair();
  sshd = await startRealSshd({ extraConfig: ["KexAlgorithms curve25519-sha256", "Ciphers aes128-gcm@openssh.com"] });
  await sshd.authorizeKey(clientKey.publicKey);
});

afterAll(async () => {
  await sshd?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/**
 * Every write to the relay's socket waits a few milliseconds in one queue (order kept) before the
 * socket takes it, as writes wait in Node's queue when the kernel's buffer is full on a slow payer
 * link. On loopback the kernel takes every write at once, so without this no buffer would ever be
 * handed back while a write of it was still pending.
 */
function queueWritesLikeAFullSocket(socket: net.Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  const queued: unknown[][] = [];
  const flush = () => {
    for (const args of queued.splice(0)) write(...args);
  };
  socket.write = ((...args: unknown[]) => {
    if (queued.push(args) === 1) setTimeout(flush, 3);
    return true;
  }) as typeof socket.write;
}

/** A file of its own random bytes, sealed at rest as the portal stages it, or plain. */
async function stagedFile(name: string, sealed: boolean): Promise<LocalFile> {
  const content = randomBytes(FILE_BYTES);
  const filePath = path.join(workDir, name);
  const key = sealed ? newFileKey() : null;
  if (key) await writeSealedFile(filePath, key, content);
  else await writeFile(filePath, content);
  return { name, path: filePath, key, sha256: sha256(content) };
}

async function relay(file: LocalFile, options: { stopAfterBytes?: number } = {}) {
  const { destination, target } = localSftpDestination(sshd, { remoteDir: sshd.incomingDir, algorithmProfile: "modern" });
  const session = await openSftpSession(destination, target, { username: sshd.username, password: sshd.password, privateKey: clientKey.privateKey }, new Transcript());
  queueWritesLikeAFullSocket((session.client as unknown as { _sock: net.Socket })._sock);
  const stop = new AbortController();
  try {
    return await uploadFile(session, {
      localPath: file.path,
      localFileKey: file.key,
      remoteDir: destination.remoteDir,
      remoteName: file.name,
      tempSuffix: ".part",
      strategy: "temp_then_rename",
      signal: stop.signal,
      onProgress: (sent) => {
        if (options.stopAfterBytes !== undefined && sent >= options.stopAfterBytes) stop.abort(new Error("stopped by the test"));
      },
    });
  } finally {
    await session.close();
  }
}

async function expectDelivered(file: LocalFile): Promise<void> {
  expect(sha256(await readFile(path.join(sshd.incomingDir, file.name))), file.name).toBe(file.sha256);
}

describe("relays sharing a thread's buffers, against OpenSSH", () => {
  it("delivers every file byte for byte while others run, stop and follow on the same buffers", async () => {
    const first = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => stagedFile(`first-${i}.x12`, i % 2 === 0)));
    const reusedBefore = relayBuffers.counts.reused;
    await Promise.all(first.map((file) => relay(file)));
    for (const file of first) await expectDelivered(file);
    expect(relayBuffers.retained).toBeGreaterThan(0);

    // One relay stopped mid-way, with its last blocks and requests still in flight, while others run.
    const stopped = await stagedFile("stopped.x12", true);
    const second = await Promise.all([0, 1, 2].map((i) => stagedFile(`second-${i}.x12`, i !== 1)));
    const [stoppedOutcome] = await Promise.allSettled([relay(stopped, { stopAfterBytes: 2 * 1024 * 1024 }), ...second.map((file) => relay(file))]);
    expect(stoppedOutcome.status).toBe("rejected");
    for (const file of second) await expectDelivered(file);

    const third = await Promise.all([0, 1, 2, 3].map((i) => stagedFile(`third-${i}.x12`, i % 2 === 1)));
    await Promise.all(third.map((file) => relay(file)));
    for (const file of third) await expectDelivered(file);
    // The later relays ran on buffers the earlier ones handed back.
    expect(relayBuffers.counts.reused - reusedBefore).toBeGreaterThan(100);
  });
});
