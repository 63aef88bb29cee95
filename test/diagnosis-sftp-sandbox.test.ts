/**
 * The staged diagnosis against the sandbox SFTP payer (a real ssh2 server on loopback) with its
 * run-time faults: every fault must surface as the right code at the right stage.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { formatDiagnosisReport, runDiagnosis, SFTP_DIAGNOSIS_STAGES, type DiagnosisResult } from "@/lib/diagnosis";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { generateClientKeyPair, type ClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import type { DestinationSpec, UpstreamCredentials } from "@/lib/transfers/types";
import { closedPort, startSilentServer } from "@/test/support/closed-port";
import { startUnansweredPort } from "@/test/support/unanswered-port";

const USERNAME = "fl-partner-0050";
const PASSWORD = "Tr0ub4dor&3-diagnosis";
const PASSPHRASE = "diagnosis passphrase 8841";
const STAGE_LIMIT_MS = 1_500;

let workDir: string;
let incoming: string;
let server: SandboxSftpServer;
let partnerKey: ClientKeyPair;
let strangerKey: ClientKeyPair;
const results: DiagnosisResult[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "diagnosis-sftp-"));
  incoming = path.join(workDir, "payer", "incoming");
  partnerKey = generateClientKeyPair({ passphrase: PASSPHRASE });
  strangerKey = generateClientKeyPair();
  server = await startSandboxSftpServer({
    rootDir: path.join(workDir, "payer"),
    users: [{ username: USERNAME, password: PASSWORD, publicKeys: [partnerKey.publicKey] }],
  });
});
afterEach(async () => {
  server.setFaults({});
  // A write cut by the time limit may leave its probe file behind, as it would on a real server.
  for (const name of await readdir(incoming)) await rm(path.join(incoming, name), { force: true });
});
afterAll(async () => {
  await server?.close();
  await rm(workDir, { recursive: true, force: true });
});

function credentials(overrides: Partial<UpstreamCredentials> = {}): UpstreamCredentials {
  return { username: USERNAME, password: PASSWORD, privateKey: partnerKey.privateKey, passphrase: PASSPHRASE, ...overrides };
}

async function diagnose(options: { destination?: Partial<DestinationSpec>; credentials?: UpstreamCredentials; writeProbe?: boolean; allowPrivate?: boolean } = {}) {
  const { destination } = localSftpDestination(server, options.destination);
  const result = await runDiagnosis({
    destination,
    credentials: options.credentials ?? credentials(),
    allowPrivate: options.allowPrivate ?? true,
    writeProbe: options.writeProbe ?? true,
    stageTimeoutMs: STAGE_LIMIT_MS,
  });
  results.push(result);
  return result;
}

const stage = (result: DiagnosisResult, key: string) => result.stages.find((s) => s.key === key)!;

/** Stages before the failed one passed (or warned), the failed one carries the code, all later ones were skipped. */
function expectStoppedAt(result: DiagnosisResult, key: string, code: string) {
  expect(result.ok).toBe(false);
  expect(result.failedStage).toBe(key);
  expect(result.code).toBe(code);
  const index = result.stages.findIndex((s) => s.key === key);
  expect(result.stages[index]).toMatchObject({ status: "failed", code });
  expect(result.stages.slice(0, index).every((s) => s.status === "passed" || s.status === "warning")).toBe(true);
  expect(result.stages.slice(index + 1).every((s) => s.status === "skipped")).toBe(true);
}

describe("SFTP diagnosis against the sandbox payer", () => {
  it("passes every stage with timings, shows both algorithm lists and the host key, and cleans up the probe", async () => {
    const result = await diagnose();
    expect(result.ok).toBe(true);
    expect(result.stages.map((s) => s.key)).toEqual(SFTP_DIAGNOSIS_STAGES.map((s) => s.key));
    expect(result.stages.every((s) => s.status === "passed")).toBe(true);
    for (const s of result.stages) {
      expect(s.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(s.startedAt)).not.toBeNaN();
      expect(s.summary.length).toBeGreaterThan(10);
    }
    const starts = result.stages.map((s) => Date.parse(s.startedAt));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(result.headline).toMatch(/^Connection test passed/);

    const algorithms = stage(result, "algorithms").details as { categories: Record<string, { client: string[]; server: string[]; agreed: string }> };
    expect(Object.keys(algorithms.categories)).toEqual(["kex", "hostKey", "cipher", "mac", "compression"]);
    expect(algorithms.categories.kex.server).toContain("diffie-hellman-group1-sha1");
    expect(algorithms.categories.kex.client).toContain("curve25519-sha256");
    expect(algorithms.categories.kex.agreed).toBe(result.negotiated?.kex);
    expect(stage(result, "hostkey").details).toMatchObject({ sha256: server.hostKeyFingerprint, md5: expect.stringMatching(/^MD5:([0-9a-f]{2}:){15}[0-9a-f]{2}$/) });
    expect(stage(result, "banner").summary).toContain("SSH-2.0-PayerSandbox_1.0");
    expect(stage(result, "write").details).toMatchObject({ removed: true, file: expect.stringMatching(/^\.portal-probe-[0-9a-f]+\.tmp$/) });
    expect(await readdir(incoming)).toEqual([]);
  });

  it("flags the payer's legacy algorithms as a warning when the legacy profile negotiates them", async () => {
    server.setFaults({ legacyOnly: true });
    const result = await diagnose({ destination: { algorithmProfile: "legacy" }, writeProbe: false });
    expect(result.ok).toBe(true);
    expect(stage(result, "algorithms").status).toBe("warning");
    const weak = (stage(result, "algorithms").details as { weakAgreed: Array<{ algorithm: string }> }).weakAgreed.map((w) => w.algorithm);
    expect(weak).toEqual(expect.arrayContaining(["diffie-hellman-group1-sha1", "ssh-rsa", "aes256-cbc", "hmac-md5"]));
    expect(stage(result, "write")).toMatchObject({ status: "skipped" });
    expect(result.headline).toContain("Algorithm negotiation");
  });

  it("says KEX_NO_MATCH at the algorithm stage and names the side that lacks modern algorithms", async () => {
    server.setFaults({ legacyOnly: true });
    const result = await diagnose();
    expectStoppedAt(result, "algorithms", "KEX_NO_MATCH");
    const details = stage(result, "algorithms").details as Record<string, unknown>;
    expect(details).toMatchObject({ failedCategory: "kex", lackingSide: "server", legacyProfileWouldMatch: true });
    expect(details.serverOffers).toEqual(["diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"]);
    expect(details.portalOffers).toContain("curve25519-sha256");
    expect(stage(result, "algorithms").summary).toMatch(/server lacks every modern key exchange/);
    expect(stage(result, "algorithms").summary).toContain("legacy algorithm profile would match");
  });

  it("says HOSTKEY_MISMATCH at the host key stage and shows the presented SHA256 and MD5 fingerprints", async () => {
    server.setFaults({ alternateHostKey: true });
    const result = await diagnose();
    expectStoppedAt(result, "hostkey", "HOSTKEY_MISMATCH");
    const details = stage(result, "hostkey").details as { presented: { sha256: string; md5: string }; pinned: string[] };
    expect(details.presented.sha256).toBe(server.alternateHostKeyFingerprint);
    expect(details.presented.md5).toMatch(/^MD5:/);
    expect(details.pinned).toEqual([server.hostKeyFingerprint]);
    expect(stage(result, "hostkey").summary).toContain(server.alternateHostKeyFingerprint);
  });

  it("tells a wrong password, an unregistered key after partial success, and a locked account apart", async () => {
    const password = await diagnose({ credentials: credentials({ password: "not-the-password" }) });
    expectStoppedAt(password, "auth", "AUTH_PASSWORD_REJECTED");

    const key = await diagnose({ credentials: credentials({ privateKey: strangerKey.privateKey, passphrase: undefined }) });
    expectStoppedAt(key, "auth", "AUTH_KEY_REJECTED");
    expect(key.headline).toBe("Your password was accepted, but the payer has not installed your public key yet.");
    expect(stage(key, "auth").summary).toContain("partial success");

    server.setFaults({ locked: true });
    const locked = await diagnose();
    expectStoppedAt(locked, "auth", "AUTH_LOCKED");
  });

  it("says REMOTE_PERMISSION at the write test for a read-only account, after the listing passed", async () => {
    server.setFaults({ readOnly: true });
    const result = await diagnose();
    expectStoppedAt(result, "write", "REMOTE_PERMISSION");
    expect(stage(result, "listing").status).toBe("passed");
    expect(await readdir(incoming)).toEqual([]);
  });

  it("names an unreadable stored key as an authentication problem, without connecting", async () => {
    const result = await diagnose({ credentials: credentials({ passphrase: "not-the-passphrase" }) });
    expect(result).toMatchObject({ ok: false, failedStage: "auth", code: "CREDENTIALS_MISSING" });
    expect(stage(result, "tcp").status).toBe("skipped");
    expect(stage(result, "auth").summary).toContain("could not be read");
  });

  it("says REMOTE_DIR_NOT_FOUND at the directory stage", async () => {
    const result = await diagnose({ destination: { remoteDir: "/outgoing" } });
    expectStoppedAt(result, "directory", "REMOTE_DIR_NOT_FOUND");
  });

  it("says TCP_REFUSED at the TCP stage for a closed port", async () => {
    const { destination } = localSftpDestination({ ...server, port: await closedPort() });
    const result = await runDiagnosis({ destination, credentials: credentials(), allowPrivate: true, writeProbe: false, stageTimeoutMs: STAGE_LIMIT_MS });
    results.push(result);
    expectStoppedAt(result, "tcp", "TCP_REFUSED");
  });

  it("says TCP_TIMEOUT within the stage limit when the host never answers", async () => {
    const unanswered = await startUnansweredPort();
    try {
      const { destination } = localSftpDestination({ ...server, port: unanswered.port });
      const started = Date.now();
      const result = await runDiagnosis({ destination, credentials: credentials(), allowPrivate: true, writeProbe: false, stageTimeoutMs: 1_000 });
      const elapsed = Date.now() - started;
      results.push(result);
      expectStoppedAt(result, "tcp", "TCP_TIMEOUT");
      expect(stage(result, "tcp").durationMs).toBeGreaterThanOrEqual(990);
      expect(elapsed).toBeLessThan(2_500);
      expect(stage(result, "tcp").summary).toContain("No reply from 127.0.0.1 port");
      expect(result.headline).toContain("after 1 s");
    } finally {
      await unanswered.close();
    }
  });

  it("stops a server that accepts TCP but never sends a banner at the banner stage's limit", async () => {
    const silent = await startSilentServer();
    try {
      const { destination } = localSftpDestination({ ...server, port: silent.port });
      const started = Date.now();
      const result = await runDiagnosis({ destination, credentials: credentials(), allowPrivate: true, writeProbe: false, stageTimeoutMs: 800 });
      results.push(result);
      expectStoppedAt(result, "banner", "TIMEOUT_IDLE");
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await silent.close();
    }
  });

  it("applies the limit to every stage: a write that stalls fails the write test within the limit", async () => {
    server.setFaults({ slowLinkBytesPerSecond: 10 });
    const started = Date.now();
    const { destination } = localSftpDestination(server);
    const result = await runDiagnosis({ destination, credentials: credentials(), allowPrivate: true, writeProbe: true, stageTimeoutMs: 1_000 });
    results.push(result);
    expectStoppedAt(result, "write", "TIMEOUT_IDLE");
    expect(stage(result, "write").durationMs).toBeGreaterThanOrEqual(990);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.headline).toContain('"Write test" step');
    expect(stage(result, "write").summary).toMatch(/A partial test file named \.portal-probe-[0-9a-f]+\.tmp .*may remain/);
  });

  it("stops at once when the caller cancels", async () => {
    const unanswered = await startUnansweredPort();
    try {
      const { destination } = localSftpDestination({ ...server, port: unanswered.port });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      const result = await runDiagnosis({ destination, credentials: credentials(), allowPrivate: true, writeProbe: false, signal: controller.signal });
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(result.failedStage).toBe("tcp");
      expect(stage(result, "tcp").summary).toContain("cancelled");
    } finally {
      await unanswered.close();
    }
  });

  it("refuses a private address unless private addresses are allowed", async () => {
    const result = await diagnose({ allowPrivate: false });
    expectStoppedAt(result, "dns", "DESTINATION_BLOCKED");
  });

  it("formats a support report with stages, codes, algorithms and transcript, and no secret of any run", () => {
    expect(results.length).toBeGreaterThan(8);
    const keyLines = [partnerKey.privateKey, strangerKey.privateKey].flatMap((k) => k.split("\n").filter((l) => l.length > 40));
    for (const result of results) {
      const report = formatDiagnosisReport(result, { portalVersion: "0.1.0-test", egressIps: ["203.0.113.10"], accountLabel: "Acme Billing (partner 0050)" });
      for (const output of [report.text, report.json, JSON.stringify(result)]) {
        for (const secret of [PASSWORD, PASSPHRASE, "not-the-password", "not-the-passphrase", ...keyLines]) expect(output).not.toContain(secret);
        expect(output).not.toMatch(/PRIVATE KEY/);
      }
      expect(JSON.parse(report.json).result.stages).toHaveLength(10);
      expect(report.text).toContain("203.0.113.10");
      for (const s of result.stages) expect(report.text).toContain(s.label);
      if (result.code) expect(report.text).toContain(`[${result.code}]`);
    }
    const happy = formatDiagnosisReport(results[0], { portalVersion: "0.1.0-test", egressIps: [], accountLabel: "x" }).text;
    expect(happy).toMatch(/kex: agreed \S+/);
    expect(happy).toMatch(/server: .*diffie-hellman-group1-sha1/);
    expect(happy).toContain("Transcript");
    expect(happy).toMatch(/ms\n/);
  });
});
