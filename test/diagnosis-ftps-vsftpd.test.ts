/**
 * The staged diagnosis against the real Debian vsftpd (TLS forced on control and data, session
 * reuse required, passive range): the same codes at the same stages as with the sandbox.
 */
import { lookup } from "node:dns/promises";
import { readdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDiagnosisReport, runDiagnosis, type DiagnosisResult } from "@/lib/diagnosis";
import type { DestinationSpec, TlsPolicy } from "@/lib/transfers/types";
import { ftpsDestination } from "@/test/ftps-fixtures";
import { closedPort } from "@/test/support/closed-port";
import { generateDiagnosisCertificates, type DiagnosisCertificates } from "@/test/support/diagnosis-certificates";
import { startVsftpd, type VsftpdServer } from "@/test/support/vsftpd";

let certs: DiagnosisCertificates;
let vsftpd: VsftpdServer;
const results: DiagnosisResult[] = [];

beforeAll(async () => {
  expect((await lookup("localhost", { verbatim: true })).address, "these tests need localhost -> 127.0.0.1 in /etc/hosts").toBe("127.0.0.1");
  certs = await generateDiagnosisCertificates();
  vsftpd = await startVsftpd({ mode: "explicit", certificate: certs.wildcard });
});
afterAll(async () => {
  await vsftpd?.stop();
});

async function diagnose(options: { host?: string; port?: number; tls?: TlsPolicy; password?: string; remoteDir?: string } = {}) {
  const destination: DestinationSpec = {
    ...ftpsDestination({
      mode: "explicit",
      port: options.port ?? vsftpd.port,
      tls: options.tls ?? { mode: "ca", caPem: certs.caPem },
      passivePortRange: vsftpd.passivePortRange,
      remoteDir: options.remoteDir ?? "/incoming",
    }),
    host: options.host ?? "127.0.0.1",
  };
  const result = await runDiagnosis({
    destination,
    credentials: { username: vsftpd.username, password: options.password ?? vsftpd.password },
    allowPrivate: true,
    writeProbe: true,
    stageTimeoutMs: 3_000,
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
  expect(result.stages.slice(0, index).every((s) => s.status === "passed" || s.status === "warning")).toBe(true);
  expect(result.stages.slice(index + 1).every((s) => s.status === "skipped")).toBe(true);
}

describe("FTPS diagnosis against the real vsftpd", () => {
  it("passes every stage, reusing the TLS session on the data connection as vsftpd requires", async () => {
    const result = await diagnose();
    expect(result.ok, JSON.stringify(result.stages.map((s) => [s.key, s.status, s.summary]))).toBe(true);
    expect(result.stages.every((s) => s.status === "passed")).toBe(true);
    expect(result.negotiated).toMatchObject({ serverBanner: expect.stringMatching(/vsFTPd/), tlsSessionReused: true });
    expect(stage(result, "passive").details).toMatchObject({ inRange: true });
    expect(stage(result, "write").details).toMatchObject({ removed: true });
    expect(await readdir(vsftpd.incomingDir)).toEqual([]);
  });

  it("says TCP_REFUSED for a closed port", async () => {
    expectStoppedAt(await diagnose({ port: await closedPort() }), "tcp", "TCP_REFUSED");
  });

  it("says TLS_CERT_UNTRUSTED for an unknown CA and for a pin mismatch, and TLS_HOSTNAME_MISMATCH for *.localhost vs localhost", async () => {
    expectStoppedAt(await diagnose({ tls: { mode: "ca" } }), "certificate", "TLS_CERT_UNTRUSTED");
    const pin = await diagnose({ tls: { mode: "pinned", certSha256: [certs.selfSigned.sha256] } });
    expectStoppedAt(pin, "certificate", "TLS_CERT_UNTRUSTED");
    expect(stage(pin, "certificate").details).toMatchObject({ presented: { sha256: certs.wildcard.sha256 } });
    const name = await diagnose({ host: "localhost" });
    expectStoppedAt(name, "certificate", "TLS_HOSTNAME_MISMATCH");
    expect(stage(name, "certificate").summary).toContain("does not cover localhost");
  });

  it("says AUTH_PASSWORD_REJECTED at login for a wrong password", async () => {
    expectStoppedAt(await diagnose({ password: "wrong-vsftpd-password" }), "login", "AUTH_PASSWORD_REJECTED");
  });

  it("says REMOTE_PERMISSION at the write test for a read-only directory", async () => {
    const result = await diagnose({ remoteDir: "/readonly" });
    expectStoppedAt(result, "write", "REMOTE_PERMISSION");
    expect(stage(result, "listing").status).toBe("passed");
  });

  it("keeps the password out of every result and report", () => {
    for (const result of results) {
      const report = formatDiagnosisReport(result, { portalVersion: "test", egressIps: [], accountLabel: "vsftpd" });
      for (const output of [report.text, report.json]) {
        expect(output).not.toContain(vsftpd.password);
        expect(output).not.toContain("wrong-vsftpd-password");
      }
    }
  });
});
