/**
 * The staged diagnosis against the real OpenSSH server (AuthenticationMethods password,publickey):
 * the faults a real sshd can produce must give the same codes at the same stages as the sandbox.
 */
import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDiagnosisReport, runDiagnosis, type DiagnosisResult } from "@/lib/diagnosis";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { generateClientKeyPair, type ClientKeyPair } from "@/lib/sandbox/sftp-keys";
import type { DestinationSpec, UpstreamCredentials } from "@/lib/transfers/types";
import { closedPort } from "@/test/support/closed-port";
import { startRealSshd, type RealSshd } from "@/test/support/sshd";

const PASSPHRASE = "real sshd diagnosis passphrase";

let sshd: RealSshd;
let partnerKey: ClientKeyPair;
let strangerKey: ClientKeyPair;
let readOnlyDir: string;
const results: DiagnosisResult[] = [];

beforeAll(async () => {
  partnerKey = generateClientKeyPair({ passphrase: PASSPHRASE });
  strangerKey = generateClientKeyPair();
  sshd = await startRealSshd();
  await sshd.authorizeKey(partnerKey.publicKey);
  readOnlyDir = path.join(path.dirname(sshd.incomingDir), "readonly");
  await mkdir(readOnlyDir, { recursive: true }); // owned by root: the account may list but not write
});
afterAll(async () => {
  if (readOnlyDir) await rm(readOnlyDir, { recursive: true, force: true });
  await sshd?.stop();
});

function credentials(overrides: Partial<UpstreamCredentials> = {}): UpstreamCredentials {
  return { username: sshd.username, password: sshd.password, privateKey: partnerKey.privateKey, passphrase: PASSPHRASE, ...overrides };
}

async function diagnose(options: { destination?: Partial<DestinationSpec>; credentials?: UpstreamCredentials; port?: number } = {}) {
  const { destination } = localSftpDestination({ ...sshd, port: options.port ?? sshd.port }, { remoteDir: sshd.incomingDir, ...options.destination });
  const result = await runDiagnosis({ destination, credentials: options.credentials ?? credentials(), allowPrivate: true, writeProbe: true, stageTimeoutMs: 3_000 });
  results.push(result);
  return result;
}

const stage = (result: DiagnosisResult, key: string) => result.stages.find((s) => s.key === key)!;

function expectStoppedAt(result: DiagnosisResult, key: string, code: string) {
  expect(result.ok, JSON.stringify(result.stages.map((s) => [s.key, s.status, s.summary]))).toBe(false);
  expect(result.failedStage).toBe(key);
  expect(result.code).toBe(code);
  const index = result.stages.findIndex((s) => s.key === key);
  expect(result.stages.slice(0, index).every((s) => s.status === "passed" || s.status === "warning")).toBe(true);
  expect(result.stages.slice(index + 1).every((s) => s.status === "skipped")).toBe(true);
}

describe("SFTP diagnosis against the real OpenSSH server", () => {
  it("passes every stage, with the ed25519 host key ssh-keygen prints and modern algorithms", async () => {
    const result = await diagnose();
    expect(result.ok, JSON.stringify(result.stages.map((s) => [s.key, s.status, s.summary]))).toBe(true);
    expect(result.stages.every((s) => s.status === "passed")).toBe(true);
    expect(stage(result, "banner").summary).toMatch(/SSH-2\.0-OpenSSH_/);
    expect(stage(result, "hostkey").details).toMatchObject({ algorithm: "ssh-ed25519", sha256: sshd.hostKeyFingerprint });
    expect(stage(result, "auth").summary).toContain("password, then public key");
    expect(stage(result, "write").details).toMatchObject({ removed: true });
    expect(await readdir(sshd.incomingDir)).toEqual([]);
  });

  it("says TCP_REFUSED for a closed port", async () => {
    expectStoppedAt(await diagnose({ port: await closedPort() }), "tcp", "TCP_REFUSED");
  });

  it("says HOSTKEY_MISMATCH when the pinned key is not the server's, showing the real fingerprint", async () => {
    const result = await diagnose({ destination: { hostKeyFingerprints: ["SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] } });
    expectStoppedAt(result, "hostkey", "HOSTKEY_MISMATCH");
    expect(stage(result, "hostkey").details).toMatchObject({ presented: { sha256: sshd.hostKeyFingerprint, md5: expect.stringMatching(/^MD5:/) } });
  });

  it("says AUTH_PASSWORD_REJECTED for a wrong password and AUTH_KEY_REJECTED (after partial success) for an unknown key", async () => {
    expectStoppedAt(await diagnose({ credentials: credentials({ password: "wrong-sshd-password" }) }), "auth", "AUTH_PASSWORD_REJECTED");
    const key = await diagnose({ credentials: credentials({ privateKey: strangerKey.privateKey, passphrase: undefined }) });
    expectStoppedAt(key, "auth", "AUTH_KEY_REJECTED");
    expect(key.headline).toBe("Your password was accepted, but the payer has not installed your public key yet.");
  });

  it("says REMOTE_PERMISSION at the write test for a directory the account may not write", async () => {
    const result = await diagnose({ destination: { remoteDir: readOnlyDir } });
    expectStoppedAt(result, "write", "REMOTE_PERMISSION");
    expect(stage(result, "listing").status).toBe("passed");
  });

  it("keeps the password, passphrase and private key out of every result and report", () => {
    const keyLines = [partnerKey.privateKey, strangerKey.privateKey].flatMap((k) => k.split("\n").filter((l) => l.length > 40));
    for (const result of results) {
      const report = formatDiagnosisReport(result, { portalVersion: "test", egressIps: ["203.0.113.10"], accountLabel: "sshd" });
      for (const output of [report.text, report.json]) {
        for (const secret of [sshd.password, PASSPHRASE, "wrong-sshd-password", ...keyLines]) expect(output).not.toContain(secret);
      }
    }
  });
});
