/**
 * The staged diagnosis against the sandbox FTPS payer (real TLS on control and data connections,
 * passive range, session reuse required) with its run-time faults.
 */
import { lookup } from "node:dns/promises";
import { readdir } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FTPS_DIAGNOSIS_STAGES, formatDiagnosisReport, runDiagnosis, type DiagnosisResult } from "@/lib/diagnosis";
import { startSandboxFtpsServer, type SandboxFtpsServer } from "@/lib/sandbox/ftps-server";
import type { DestinationSpec, TlsPolicy } from "@/lib/transfers/types";
import { ftpsDestination, tempDir } from "@/test/ftps-fixtures";
import { closedPort } from "@/test/support/closed-port";
import { generateDiagnosisCertificates, type DiagnosisCertificates } from "@/test/support/diagnosis-certificates";
import { startUnansweredPort } from "@/test/support/unanswered-port";
import { freePortRange } from "@/test/support/vsftpd";

const USER = { username: "partner01", password: "Sandbox-Diag-Pw-7731!" };
const STAGE_LIMIT_MS = 2_000;

let certs: DiagnosisCertificates;
let root: { dir: string; cleanup: () => Promise<void> };
let range: { min: number; max: number };
let server: SandboxFtpsServer;
const results: DiagnosisResult[] = [];

beforeAll(async () => {
  // The wildcard test connects by name: "localhost" must resolve to the loopback address the servers use.
  expect((await lookup("localhost", { verbatim: true })).address, "these tests need localhost -> 127.0.0.1 in /etc/hosts").toBe("127.0.0.1");
  certs = await generateDiagnosisCertificates();
  root = await tempDir("diagnosis-ftps-root-");
  range = await freePortRange(6);
  server = await startSandboxFtpsServer({ rootDir: root.dir, mode: "explicit", users: [USER], certificate: certs.wildcard, passivePortRange: range });
});
afterEach(() => server.setFaults({}));
afterAll(async () => {
  await server?.close();
  await root?.cleanup();
});

const trusted = (): TlsPolicy => ({ mode: "ca", caPem: certs.caPem });

async function diagnose(options: { host?: string; port?: number; mode?: "explicit" | "implicit"; tls?: TlsPolicy; range?: { min: number; max: number }; password?: string; writeProbe?: boolean; stageTimeoutMs?: number } = {}) {
  const destination: DestinationSpec = {
    ...ftpsDestination({ mode: options.mode ?? "explicit", port: options.port ?? server.port, tls: options.tls ?? trusted(), passivePortRange: options.range ?? range }),
    host: options.host ?? "127.0.0.1",
  };
  const result = await runDiagnosis({
    destination,
    credentials: { username: USER.username, password: options.password ?? USER.password },
    allowPrivate: true,
    writeProbe: options.writeProbe ?? true,
    stageTimeoutMs: options.stageTimeoutMs ?? STAGE_LIMIT_MS,
  });
  results.push(result);
  return result;
}

const stage = (result: DiagnosisResult, key: string) => result.stages.find((s) => s.key === key)!;

function expectStoppedAt(result: DiagnosisResult, key: string, code: string) {
  expect(result.ok, JSON.stringify(result.stages.map((s) => [s.key, s.status, s.summary]))).toBe(false);
  expect(result.failedStage).toBe(key);
  expect(result.code).toBe(code);
  const index = result.stages.findIndex((s) => s.key === key);
  expect(result.stages[index]).toMatchObject({ status: "failed", code });
  expect(result.stages.slice(0, index).every((s) => s.status === "passed" || s.status === "warning")).toBe(true);
}

describe("FTPS diagnosis against the sandbox payer", () => {
  it("passes every stage with timings: TLS, certificate facts, PBSZ/PROT, PASV in range, TLS session reuse, listing, write test", async () => {
    const result = await diagnose();
    expect(result.ok).toBe(true);
    expect(result.stages.map((s) => s.key)).toEqual(FTPS_DIAGNOSIS_STAGES.map((s) => s.key));
    expect(result.stages.map((s) => s.status)).toEqual(FTPS_DIAGNOSIS_STAGES.map(() => "passed"));
    for (const s of result.stages) expect(s.durationMs).toBeGreaterThanOrEqual(0);
    expect(stage(result, "certificate").details).toMatchObject({
      subjectAltNames: ["DNS:*.localhost", "IP Address:127.0.0.1"],
      wildcard: true,
      hostnameMatch: "IP Address:127.0.0.1",
      chain: "verified",
      sha256: certs.wildcard.sha256,
    });
    expect(stage(result, "certificate").details?.daysLeft).toBeGreaterThan(25);
    const port = stage(result, "passive").details?.port as number;
    expect(port).toBeGreaterThanOrEqual(range.min);
    expect(port).toBeLessThanOrEqual(range.max);
    expect(stage(result, "passive").details).toMatchObject({ inRange: true, address: "127.0.0.1" });
    expect(stage(result, "data").details).toMatchObject({ reused: true });
    expect(result.negotiated).toMatchObject({ tlsSessionReused: true, tlsProtocol: expect.stringMatching(/^TLSv1\.[23]$/) });
    expect(stage(result, "write").details).toMatchObject({ removed: true });
    // The sandbox payer keeps its answers in outbound/; the probe left nothing behind.
    expect(await readdir(root.dir)).toEqual(["outbound"]);
  });

  it("says TLS_CERT_UNTRUSTED at the certificate stage when the issuing CA is not configured, and shows the certificate", async () => {
    const result = await diagnose({ tls: { mode: "ca" } });
    expectStoppedAt(result, "certificate", "TLS_CERT_UNTRUSTED");
    expect(stage(result, "tls").status).toBe("passed");
    expect(stage(result, "certificate").details).toMatchObject({
      presented: { subjectAltNames: ["DNS:*.localhost", "IP Address:127.0.0.1"], sha256: certs.wildcard.sha256 },
      caTrusted: false,
    });
    expect(stage(result, "certificate").summary).toContain("certificate authority the portal does not trust");
    expect(stage(result, "login").status).toBe("skipped");
  });

  it("says TLS_CERT_UNTRUSTED for a certificate that does not match the pin", async () => {
    const result = await diagnose({ tls: { mode: "pinned", certSha256: [certs.selfSigned.sha256] } });
    expectStoppedAt(result, "certificate", "TLS_CERT_UNTRUSTED");
    expect(stage(result, "certificate").summary).toContain("pinned fingerprint");
  });

  it("says TLS_HOSTNAME_MISMATCH when the wildcard does not cover the name (*.localhost vs localhost)", async () => {
    const result = await diagnose({ host: "localhost" });
    expectStoppedAt(result, "certificate", "TLS_HOSTNAME_MISMATCH");
    expect(stage(result, "dns").summary).toBe("localhost resolves to 127.0.0.1.");
    expect(stage(result, "certificate").summary).toContain("*.localhost");
    expect(stage(result, "certificate").summary).toContain("does not cover localhost");
    expect(stage(result, "certificate").details).toMatchObject({ hostnameMatch: "none", wildcard: true, caTrusted: false });
  });

  it("says AUTH_PASSWORD_REJECTED at the login stage", async () => {
    const result = await diagnose({ password: "Wrong-Diag-Pw-0000" });
    expectStoppedAt(result, "login", "AUTH_PASSWORD_REJECTED");
  });

  it("says PASV_BLOCKED at the data connection when the passive port does not answer", async () => {
    server.setFaults({ closedPassiveRange: true });
    const result = await diagnose();
    expectStoppedAt(result, "data", "PASV_BLOCKED");
    expect(stage(result, "passive")).toMatchObject({ status: "passed", details: { inRange: true } });
    expect(result.headline).toBe("Login works, but the passive data connection is blocked.");
  });

  it("warns about a passive port outside the documented range, and fails PASV when that port is then blocked", async () => {
    const documented = { min: 53000, max: 54999 };
    const works = await diagnose({ range: documented, writeProbe: false });
    expect(works.ok).toBe(true);
    expect(stage(works, "passive")).toMatchObject({ status: "warning", details: { inRange: false, documentedRange: documented } });
    expect(stage(works, "passive").summary).toContain("outside the documented passive range 53000-54999");

    server.setFaults({ closedPassiveRange: true });
    const blocked = await diagnose({ range: documented });
    expectStoppedAt(blocked, "passive", "PASV_BLOCKED");
    expect(stage(blocked, "data")).toMatchObject({ status: "failed", code: "PASV_BLOCKED" });
  });

  it("says REMOTE_PERMISSION at the write test for a read-only account", async () => {
    server.setFaults({ readOnly: true });
    const result = await diagnose();
    expectStoppedAt(result, "write", "REMOTE_PERMISSION");
    expect(stage(result, "listing").status).toBe("passed");
  });

  it("passes with implicit TLS too", async () => {
    const implicit = await startSandboxFtpsServer({ rootDir: root.dir, mode: "implicit", users: [USER], certificate: certs.wildcard, passivePortRange: range });
    try {
      const result = await diagnose({ mode: "implicit", port: implicit.port });
      expect(result.ok).toBe(true);
      expect(stage(result, "tls").details).toMatchObject({ mode: "implicit TLS" });
    } finally {
      await implicit.close();
    }
  });

  it("says TCP_REFUSED for a closed port and TCP_TIMEOUT within the stage limit for a port that never answers", async () => {
    expectStoppedAt(await diagnose({ port: await closedPort() }), "tcp", "TCP_REFUSED");
    const unanswered = await startUnansweredPort();
    try {
      const started = Date.now();
      const result = await diagnose({ port: unanswered.port, stageTimeoutMs: 1_000 });
      expectStoppedAt(result, "tcp", "TCP_TIMEOUT");
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      await unanswered.close();
    }
  });

  it("produces reports that contain the stages and codes but never the password", () => {
    expect(results.length).toBeGreaterThan(8);
    for (const result of results) {
      const report = formatDiagnosisReport(result, { portalVersion: "0.1.0-test", egressIps: ["203.0.113.10"], accountLabel: "Acme Billing" });
      for (const output of [report.text, report.json]) {
        expect(output).not.toContain(USER.password);
        expect(output).not.toContain("Wrong-Diag-Pw-0000");
      }
      if (result.code) expect(report.text).toContain(`[${result.code}]`);
      expect(report.text).toContain("\nTranscript\n");
      expect(JSON.parse(report.json).result.stages).toHaveLength(FTPS_DIAGNOSIS_STAGES.length);
    }
    const happy = formatDiagnosisReport(results[0], { portalVersion: "0.1.0-test", egressIps: [], accountLabel: "x" }).text;
    expect(happy).toContain("PASS ****");
    expect(happy).toMatch(/227 Entering Passive Mode/);
  });
});
