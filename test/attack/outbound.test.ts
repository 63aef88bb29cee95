import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { generateRsaKeyPair } from "@/lib/keys";
import { validateDestinationHost } from "@/lib/net/validate-host";
import { generateSandboxCertificates, type SandboxCertificates } from "@/lib/sandbox/certificates";
import { startSandboxFtpsServer, type SandboxFtpsServer } from "@/lib/sandbox/ftps-server";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { deliverToDestination, fetchDestinationIdentity } from "@/lib/transfers/delivery/engine";
import { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec } from "@/lib/transfers/types";
import { ftpsDestination, randomFile, tempDir, transferFailure } from "@/test/ftps-fixtures";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { freePortRange } from "@/test/support/vsftpd";

/**
 * A DNS-rebinding attacker controls the destination's name server: the first answer is the
 * harmless address the portal validates, every later answer points somewhere else. The portal
 * must resolve once and connect to the validated address; the names below exist only in this
 * fake resolver, so a driver that resolved them itself could not connect at all.
 */
const dns = vi.hoisted(() => ({ answers: [] as string[], calls: [] as string[] }));
vi.mock("node:dns/promises", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:dns/promises")>();
  const lookup = async (hostname: string) => {
    dns.calls.push(hostname);
    const address = dns.answers.shift() ?? "203.0.113.66";
    return { address, family: 4 };
  };
  return { ...original, lookup, default: { ...original, lookup } };
});

useTemporaryPortalEnv({ ALLOW_PRIVATE_DESTINATIONS: "true" });

const PASSWORD = "payer-issued-Pa55word";
let local: { dir: string; cleanup: () => Promise<void> };
let sftp: SandboxSftpServer;
let ftps: SandboxFtpsServer;
let certs: SandboxCertificates;
let ftpsRoot: { dir: string; cleanup: () => Promise<void> };
let range: { min: number; max: number };
let key: Awaited<ReturnType<typeof generateRsaKeyPair>>;

beforeAll(async () => {
  local = await tempDir("outbound-local-");
  key = await generateRsaKeyPair(2048, "outbound-test");
  sftp = await startSandboxSftpServer({ rootDir: path.join(local.dir, "sftp-payer"), users: [{ username: "clinic", password: PASSWORD, publicKeys: [key.publicKey.openssh] }] });
  certs = await generateSandboxCertificates();
  ftpsRoot = await tempDir("outbound-ftps-");
  range = await freePortRange(4);
  ftps = await startSandboxFtpsServer({ rootDir: ftpsRoot.dir, mode: "explicit", users: [{ username: "clinic", password: PASSWORD }], certificate: certs.wildcard, passivePortRange: range });
}, 60_000);
afterAll(async () => {
  await sftp?.close();
  await ftps?.close();
  await ftpsRoot?.cleanup();
  await local?.cleanup();
});
beforeEach(() => {
  dns.answers = [];
  dns.calls = [];
  ftps.setFaults({});
});

function sftpSpec(host: string): DestinationSpec {
  return {
    id: "dest-sftp",
    name: "Rebinding payer",
    protocol: "sftp",
    host,
    port: sftp.port,
    remoteDir: "/incoming",
    auth: "password_and_key",
    algorithmProfile: "modern",
    hostKeyFingerprints: [sftp.hostKeyFingerprint],
    tls: { mode: "ca" },
    uploadStrategy: "temp_then_rename",
    tempSuffix: ".part",
    connectTimeoutMs: 3000,
    idleTimeoutMs: 10000,
  };
}

describe("outbound connections go to the validated address only", () => {
  it("SFTP: one DNS answer is validated and used; the rebinding answers that follow are never asked for", async () => {
    // First answer: the sandbox payer. Any later lookup would get the cloud metadata address.
    dns.answers = ["127.0.0.1", "169.254.169.254", "169.254.169.254"];
    const file = await randomFile(local.dir, "rebind.x12", 4096);
    const transcript = new Transcript();
    const result = await deliverToDestination({ destination: sftpSpec("payer.rebind.test"), credentials: { username: "clinic", password: PASSWORD, privateKey: key.privateKeyPem }, localPath: file.path, remoteName: "REBIND01.TXT", transcript });
    expect(result.bytes).toBe(4096);
    expect(fs.readFileSync(path.join(local.dir, "sftp-payer", "incoming", "REBIND01.TXT"))).toEqual(file.content);
    expect(dns.calls).toEqual(["payer.rebind.test"]);
  });

  it("SFTP identity fetch: resolves once as well", async () => {
    dns.answers = ["127.0.0.1", "169.254.169.254"];
    const identity = await fetchDestinationIdentity(sftpSpec("payer.rebind.test"), new Transcript());
    expect(identity.sha256).toBe(sftp.hostKeyFingerprint);
    expect(dns.calls).toEqual(["payer.rebind.test"]);
  });

  it("FTPS: control and data connections use the one validated address", async () => {
    dns.answers = ["127.0.0.1", "169.254.169.254", "169.254.169.254"];
    const file = await randomFile(local.dir, "rebind-ftps.x12", 64 * 1024);
    const destination = { ...ftpsDestination({ mode: "explicit", port: ftps.port, tls: { mode: "ca", caPem: certs.ca.certPem }, passivePortRange: range }), host: "ftps.sandbox.test" };
    const result = await deliverToDestination({ destination, credentials: { username: "clinic", password: PASSWORD }, localPath: file.path, remoteName: "REBIND02.TXT", transcript: new Transcript() });
    expect(result.bytes).toBe(64 * 1024);
    expect(dns.calls).toEqual(["ftps.sandbox.test"]);
  });

  it("FTPS: a passive reply naming another host is refused and never connected to", async () => {
    dns.answers = ["127.0.0.1"];
    ftps.setFaults({ pasvForeignAddress: "127.0.0.2" });
    const file = await randomFile(local.dir, "bounce.x12", 1000);
    const destination = { ...ftpsDestination({ mode: "explicit", port: ftps.port, tls: { mode: "ca", caPem: certs.ca.certPem }, passivePortRange: range }), host: "ftps.sandbox.test" };
    const error = await transferFailure(deliverToDestination({ destination, credentials: { username: "clinic", password: PASSWORD }, localPath: file.path, remoteName: "BOUNCE.TXT", transcript: new Transcript() }));
    expect(error.code).toBe("PASV_ADDRESS_REFUSED");
    expect(error.detail).toContain("127.0.0.2");
    expect(ftps.stats().foreignPassiveConnections).toBe(0);
    expect(fs.existsSync(path.join(ftpsRoot.dir, "BOUNCE.TXT"))).toBe(false);
  });

  it("without the sandbox allowance, names resolving to private, loopback or metadata addresses are refused before any connection", async () => {
    for (const address of ["127.0.0.1", "10.0.0.5", "169.254.169.254", "192.168.1.1", "0.0.0.0", "100.64.0.1", "192.0.2.10", "64:ff9b::a9fe:a9fe"]) {
      dns.answers = [address];
      await expect(validateDestinationHost("payer.rebind.test", 22, { allowPrivate: false })).rejects.toMatchObject({ code: "DESTINATION_BLOCKED" });
    }
    // The full table of forms and ranges is test/attack/ssrf-ranges.test.ts.
    for (const literal of ["127.0.0.1", "::1", "::ffff:169.254.169.254", "fd00:ec2::254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1"]) {
      await expect(validateDestinationHost(literal, 22, { allowPrivate: false })).rejects.toMatchObject({ code: "DESTINATION_BLOCKED" });
    }
  });
});
