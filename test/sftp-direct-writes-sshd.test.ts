/**
 * WRITE requests built straight into SSH packets (lib/sftp/direct-writes.ts) against the real
 * OpenSSH server, one cipher at a time: with ssh2's native binding as installed and, in a child
 * process, with it hidden (ssh2 then writes node:crypto's output, not our packet buffer). Every
 * upload is checked byte for byte on the server; a server that rekeys often makes writes meet key
 * exchanges, and one whose channel opens with a small window makes the first write too big for it:
 * both must go through ssh2's own queue. The same file sealed at rest (lib/sealed-files) is sent from
 * its decrypted segments, each 255 KiB request gathering the end of one segment and the start of
 * the next (lib/sftp/pipelined-write.ts).
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { newFileKey, writeSealedFile } from "@/lib/sealed-files/writer";
import { generateClientKeyPair, type ClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { startSandboxSftpServer } from "@/lib/sandbox/sftp-server";
import type { AlgorithmProfile } from "@/lib/transfers/types";
import { startRealSshd, type RealSshd } from "@/test/support/sshd";
import type { UploadChildResult } from "@/test/support/sftp-upload-child";
import { uploadOnce, type UploadJob } from "@/test/support/sftp-upload";

const REPO = path.resolve(__dirname, "..");
const CHILD = path.join(REPO, "test/support/sftp-upload-child.ts");
const WITHOUT_BINDING = path.join(REPO, "scripts/bench/engine/without-ssh2-binding.cjs");
const SERVER_ONLY_SHIM = path.join(REPO, "scripts/server-only-shim.cjs");

// 3 MiB and an odd tail: a dozen 255 KiB requests, more than OpenSSH's 2 MiB window holds at once,
// and a last request and packet of odd sizes.
const FILE_BYTES = 3 * 1024 * 1024 + 12_345;

const PROFILES: { cipher: string; mac?: string; profile: AlgorithmProfile }[] = [
  { cipher: "aes128-gcm@openssh.com", profile: "modern" },
  { cipher: "aes256-gcm@openssh.com", profile: "modern" },
  { cipher: "chacha20-poly1305@openssh.com", profile: "modern" },
  { cipher: "aes256-ctr", mac: "hmac-sha2-256-etm@openssh.com", profile: "modern" },
  { cipher: "aes256-cbc", mac: "hmac-md5", profile: "legacy" },
];

let workDir: string;
let key: ClientKeyPair;
let localPath: string;
let sealedPath: string;
const sealedKey = newFileKey();
let expectedSha: string;
let sshd: RealSshd | undefined;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "sftp-direct-writes-"));
  key = generateClientKeyPair();
  const content = randomBytes(FILE_BYTES);
  localPath = path.join(workDir, "claims.x12");
  await writeFile(localPath, content);
  sealedPath = path.join(workDir, "claims.sealed");
  await writeSealedFile(sealedPath, sealedKey, content);
  expectedSha = sha256(content);
});

afterEach(async () => {
  await sshd?.stop();
  sshd = undefined;
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

async function startSshd(extraConfig: string[]): Promise<RealSshd> {
  sshd = await startRealSshd({ extraConfig: ["KexAlgorithms curve25519-sha256", ...extraConfig] });
  await sshd.authorizeKey(key.publicKey);
  return sshd;
}

function job(server: RealSshd, profile: AlgorithmProfile, remoteName: string, options: { sealed?: boolean } = {}): UploadJob {
  const { destination, target } = localSftpDestination(server, { remoteDir: server.incomingDir, algorithmProfile: profile });
  return {
    destination,
    target,
    credentials: { username: server.username, password: server.password, privateKey: key.privateKey },
    localPath: options.sealed ? sealedPath : localPath,
    remoteName,
    localFileKey: options.sealed ? sealedKey.toString("base64") : undefined,
  };
}

/** The upload in a child process whose ssh2 cannot load its native binding. */
function uploadWithoutBinding(j: UploadJob): Promise<UploadChildResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["--require", SERVER_ONLY_SHIM, "--require", WITHOUT_BINDING, "--import", "tsx", CHILD],
      { cwd: REPO, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`upload child failed: ${error.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split("\n").pop()!) as UploadChildResult);
      },
    );
    child.stdin!.end(JSON.stringify(j));
  });
}

async function remoteSha(server: RealSshd, name: string): Promise<string> {
  return sha256(await readFile(path.join(server.incomingDir, name)));
}

describe("SFTP WRITE requests built straight into packets, against OpenSSH and the sandbox payer", () => {
  for (const p of PROFILES) {
    const label = p.mac ? `${p.cipher} + ${p.mac}` : p.cipher;
    it(`delivers every byte with ${label}, with and without ssh2's native binding, plain and sealed`, async () => {
      const server = await startSshd([`Ciphers ${p.cipher}`, ...(p.mac ? [`MACs ${p.mac}`] : [])]);

      const here = await uploadOnce(job(server, p.profile, "with-binding.x12"));
      expect(here.cipher).toBe(p.cipher);
      expect(here.outcome.bytes).toBe(FILE_BYTES);
      expect(await remoteSha(server, "with-binding.x12")).toBe(expectedSha);
      // Every request went the direct way: OpenSSH's window reopens as it takes the data.
      expect(here.counts.direct).toBe(Math.ceil(FILE_BYTES / (255 * 1024)));
      expect(here.counts.viaSsh2).toBe(0);
      // The handshake was recorded from ssh2's debug lines before the session stopped them.
      expect(here.transcript).toContain(`cipher ${p.cipher}`);

      // Sealed at rest: the same requests, their data gathered from the decrypted segments.
      const sealed = await uploadOnce(job(server, p.profile, "sealed.x12", { sealed: true }));
      expect(sealed.outcome.bytes).toBe(FILE_BYTES);
      expect(sealed.counts).toEqual({ direct: Math.ceil(FILE_BYTES / (255 * 1024)), viaSsh2: 0 });
      expect(await remoteSha(server, "sealed.x12")).toBe(expectedSha);

      const bare = await uploadWithoutBinding(job(server, p.profile, "without-binding.x12"));
      expect(bare.ssh2NativeBinding).toBe(false);
      expect(bare.cipher).toBe(p.cipher);
      expect(bare.bytes).toBe(FILE_BYTES);
      expect(bare.counts.direct).toBeGreaterThan(0);
      expect(await remoteSha(server, "without-binding.x12")).toBe(expectedSha);
      expect((await readdir(server.incomingDir)).sort()).toEqual(["sealed.x12", "with-binding.x12", "without-binding.x12"]);
    });
  }

  it("hands writes that meet a key exchange to ssh2's queue, and still delivers every byte", async () => {
    // sshd renegotiates keys once 32 KiB have passed (it checks as it sends, so a few times here).
    const server = await startSshd(["Ciphers aes128-gcm@openssh.com", "RekeyLimit 32K"]);
    const here = await uploadOnce(job(server, "modern", "rekeyed.x12"));
    // The first handshake and at least one renegotiation, during which some writes were waiting:
    // RFC 4253 allows only key exchange messages between KEXINIT and NEWKEYS, so those went through
    // ssh2, which holds them until the new keys are in place.
    expect(here.handshakes).toBeGreaterThanOrEqual(2);
    expect(here.counts.viaSsh2).toBeGreaterThan(0);
    expect(await remoteSha(server, "rekeyed.x12")).toBe(expectedSha);
    expect(here.counts.direct + here.counts.viaSsh2).toBe(Math.ceil(FILE_BYTES / (255 * 1024)));
    expect(here.counts.direct).toBeGreaterThan(0);

    // Sealed: a request that meets a key exchange has its segments' parts joined for ssh2.
    const sealed = await uploadOnce(job(server, "modern", "rekeyed-sealed.x12", { sealed: true }));
    expect(sealed.handshakes).toBeGreaterThanOrEqual(2);
    expect(sealed.counts.viaSsh2).toBeGreaterThan(0);
    expect(sealed.counts.direct + sealed.counts.viaSsh2).toBe(Math.ceil(FILE_BYTES / (255 * 1024)));
    expect(await remoteSha(server, "rekeyed-sealed.x12")).toBe(expectedSha);
  });

  describe("against the sandbox payer with a small channel window", () => {
    const USER = { username: "window-test", password: "window test password 7" };
    async function uploadToSandbox(windowBytes: number, remoteName: string) {
      const rootDir = path.join(workDir, `payer-${windowBytes}`);
      await mkdir(path.join(rootDir, "incoming"), { recursive: true });
      const sandbox = await startSandboxSftpServer({ rootDir, users: [{ ...USER, publicKeys: [key.publicKey] }], respond: false });
      try {
        sandbox.setFaults({ channelWindowBytes: windowBytes });
        const { destination, target } = localSftpDestination(sandbox, { remoteDir: "/incoming" });
        const here = await uploadOnce({ destination, target, credentials: { ...USER, privateKey: key.privateKey }, localPath, remoteName });
        expect(sha256(await readFile(path.join(rootDir, "incoming", remoteName)))).toBe(expectedSha);
        return here.counts;
      } finally {
        await sandbox.close();
      }
    }

    // The sandbox is not OpenSSH: ssh2 sends it requests of about 32 KiB (about 97 for this file).
    it("waits for the window when it holds one request but not two", async () => {
      const counts = await uploadToSandbox(48 * 1024, "window-48k.x12");
      expect(counts.direct).toBeGreaterThan(0);
      expect(counts.direct + counts.viaSsh2).toBeGreaterThanOrEqual(90);
    });

    it("hands every request to ssh2, which splits it, when no request fits in the window", async () => {
      const counts = await uploadToSandbox(16 * 1024, "window-16k.x12");
      expect(counts.direct).toBe(0);
      expect(counts.viaSsh2).toBeGreaterThanOrEqual(90);
    });
  });
});
