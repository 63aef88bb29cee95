/**
 * The FTPS driver against the sandbox FTPS server (real TLS on control and data connections,
 * passive range, session reuse required), with its run-time faults.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { HEADER_BYTES, RECORD_OVERHEAD, SEGMENT_BYTES } from "@/lib/sealed-files/format";
import { newFileKey, writeSealedFile } from "@/lib/sealed-files/writer";
import { ftpsDriver, openFtpsSession, type FtpsStage } from "@/lib/ftps";
import { generateSandboxCertificates, type SandboxCertificates } from "@/lib/sandbox/certificates";
import { startSandboxFtpsServer, type SandboxFtpsServer } from "@/lib/sandbox/ftps-server";
import { Transcript } from "@/lib/transfers/transcript";
import type { TlsPolicy } from "@/lib/transfers/types";
import { freePortRange } from "@/test/support/vsftpd";
import { deliveryRequest, ftpsDestination, loopbackTarget, randomFile, tempDir, transferFailure } from "@/test/ftps-fixtures";

const USER = { username: "partner01", password: "Sandbox-Pw-7731!" };
let certs: SandboxCertificates;
let local: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  certs = await generateSandboxCertificates();
  local = await tempDir("ftps-local-");
});
afterAll(async () => {
  await local.cleanup();
});

describe.each(["explicit", "implicit"] as const)("sandbox FTPS server, %s TLS", (mode) => {
  let server: SandboxFtpsServer;
  let root: { dir: string; cleanup: () => Promise<void> };
  let range: { min: number; max: number };

  beforeAll(async () => {
    root = await tempDir("ftps-root-");
    range = await freePortRange(8);
    server = await startSandboxFtpsServer({ rootDir: root.dir, mode, users: [USER], certificate: certs.wildcard, passivePortRange: range });
  });
  afterAll(async () => {
    await server.close();
    await root.cleanup();
  });
  afterEach(() => server.setFaults({}));

  const caPolicy = (): TlsPolicy => ({ mode: "ca", caPem: certs.ca.certPem });
  const destination = (tls: TlsPolicy = caPolicy(), extra: Parameters<typeof ftpsDestination>[0] extends infer O ? Partial<O> : never = {}) =>
    ftpsDestination({ mode, port: server.port, tls, passivePortRange: range, ...extra });

  it("uploads under the temp name, checks the size, renames, and keeps the password out of the transcript", async () => {
    const file = await randomFile(local.dir, `claims-${mode}.x12`, 256 * 1024 + 17);
    const progress: number[] = [];
    const request = deliveryRequest(destination(), loopbackTarget(server.port), USER, file.path, `claims-${mode}.x12`, {
      onProgress: (sent) => progress.push(sent),
    });
    const result = await ftpsDriver.deliver(request);

    expect(result.bytes).toBe(file.content.length);
    expect(result.resumedFromByte).toBe(0);
    expect(result.remotePath).toBe(`/claims-${mode}.x12`);
    expect(result.negotiated.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
    expect(result.negotiated.tlsCipher).toBeTruthy();
    expect(result.negotiated.tlsSessionReused).toBe(true);
    expect((await readFile(path.join(root.dir, `claims-${mode}.x12`))).equals(file.content)).toBe(true);
    expect(existsSync(path.join(root.dir, `claims-${mode}.x12.part`))).toBe(false);
    expect(progress.at(-1)).toBe(file.content.length);

    const text = request.transcript.toText();
    const sent = request.transcript.lines.filter((l) => l.direction === ">").map((l) => l.message);
    expect(sent).toContain(`STOR claims-${mode}.x12.part`);
    expect(sent).toContain(`SIZE claims-${mode}.x12.part`);
    expect(sent).toContain(`RNFR claims-${mode}.x12.part`);
    expect(sent).toContain(`RNTO claims-${mode}.x12`);
    expect(sent).toContain("PASS ****");
    expect(sent).toContain("QUIT");
    expect(text).toMatch(/227 Entering Passive Mode/);
    expect(text).toMatch(/session reused/);
    expect(text).toContain(certs.wildcard.sha256);
    expect(text).not.toContain(USER.password);
    expect(server.stats().dataConnectionsReusingSession).toBeGreaterThan(0);
  });

  it("resumes from the partial temp file after the connection is cut", async () => {
    const file = await randomFile(local.dir, `resume-${mode}.x12`, 600_000);
    server.setFaults({ dropAfterBytes: 150_000 });
    const first = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port), USER, file.path, `resume-${mode}.x12`)));
    expect(first.code).toBe("CONNECTION_LOST");
    expect(first.transient).toBe(true);
    expect((await stat(path.join(root.dir, `resume-${mode}.x12.part`))).size).toBe(150_000);

    server.setFaults({});
    const request = deliveryRequest(destination(), loopbackTarget(server.port), USER, file.path, `resume-${mode}.x12`);
    const result = await ftpsDriver.deliver(request);
    expect(result.resumedFromByte).toBe(150_000);
    expect((await readFile(path.join(root.dir, `resume-${mode}.x12`))).equals(file.content)).toBe(true);
    expect(request.transcript.lines.map((l) => l.message)).toContain(`APPE resume-${mode}.x12.part`);
  });

  it("relays a sealed staged file, continuing a partial temp file from inside a segment", async () => {
    const plaintext = randomBytes(1024 * 1024 + 123);
    const key = newFileKey();
    const sealedPath = path.join(local.dir, `sealed-${mode}.staged`);
    await writeSealedFile(sealedPath, key, plaintext);
    // An earlier attempt's bytes, cut 300,001 bytes in: the reader starts inside the second segment.
    await writeFile(path.join(root.dir, `sealed-${mode}.x12.part`), plaintext.subarray(0, 300_001));
    const progress: number[] = [];
    const request = deliveryRequest(destination(), loopbackTarget(server.port), USER, sealedPath, `sealed-${mode}.x12`, {
      localFileKey: key,
      onProgress: (sent) => progress.push(sent),
    });
    const result = await ftpsDriver.deliver(request);

    expect(result.resumedFromByte).toBe(300_001);
    expect(result.bytes).toBe(plaintext.length);
    expect((await readFile(path.join(root.dir, `sealed-${mode}.x12`))).equals(plaintext)).toBe(true);
    expect(progress[0]).toBe(300_001);
    expect(progress.at(-1)).toBe(plaintext.length);
    expect(request.transcript.lines.map((l) => l.message)).toContain(`APPE sealed-${mode}.x12.part`);
  });

  it("a sealed file damaged in its third segment fails with STAGED_FILE_DAMAGED; no altered byte reaches the server", async () => {
    const plaintext = randomBytes(1024 * 1024);
    const key = newFileKey();
    const sealedPath = path.join(local.dir, `damaged-${mode}.staged`);
    await writeSealedFile(sealedPath, key, plaintext);
    const sealed = await readFile(sealedPath);
    sealed[HEADER_BYTES + 2 * (SEGMENT_BYTES + RECORD_OVERHEAD) + 1000] ^= 0xff;
    await writeFile(sealedPath, sealed);

    const failure = await transferFailure(
      ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port), USER, sealedPath, `damaged-${mode}.x12`, { localFileKey: key })),
    );
    expect(failure.code).toBe("STAGED_FILE_DAMAGED");
    expect(existsSync(path.join(root.dir, `damaged-${mode}.x12`))).toBe(false);
    const partPath = path.join(root.dir, `damaged-${mode}.x12.part`);
    if (existsSync(partPath)) {
      const sent = await readFile(partPath);
      expect(sent.length).toBeLessThanOrEqual(2 * SEGMENT_BYTES);
      expect(sent.equals(plaintext.subarray(0, sent.length))).toBe(true);
    }
  });

  it("direct strategy writes the final name and still checks the size", async () => {
    const file = await randomFile(local.dir, `direct-${mode}.x12`, 10_000);
    const request = deliveryRequest(destination(caPolicy(), { uploadStrategy: "direct" }), loopbackTarget(server.port), USER, file.path, `direct-${mode}.x12`);
    await ftpsDriver.deliver(request);
    expect((await readFile(path.join(root.dir, `direct-${mode}.x12`))).equals(file.content)).toBe(true);
    const sent = request.transcript.lines.filter((l) => l.direction === ">").map((l) => l.message);
    expect(sent).toContain(`STOR direct-${mode}.x12`);
    expect(sent).toContain(`SIZE direct-${mode}.x12`);
    expect(sent.some((m) => m.startsWith("RNFR"))).toBe(false);
  });

  it("accepts the pinned certificate (colons and case ignored)", async () => {
    const file = await randomFile(local.dir, `pinned-${mode}.x12`, 5000);
    const pin = server.certificateSha256.replace(/:/g, "").toLowerCase();
    const result = await ftpsDriver.deliver(
      deliveryRequest(destination({ mode: "pinned", certSha256: ["AA:BB", pin] }), loopbackTarget(server.port), USER, file.path, `pinned-${mode}.x12`),
    );
    expect(result.negotiated.tlsSessionReused).toBe(true);
  });

  it("refuses a different certificate than the pinned one before sending USER/PASS", async () => {
    server.setFaults({ alternateCertificate: certs.selfSigned });
    const before = server.stats();
    const file = await randomFile(local.dir, `pin-miss-${mode}.x12`, 5000);
    const request = deliveryRequest(destination({ mode: "pinned", certSha256: [server.certificateSha256] }), loopbackTarget(server.port), USER, file.path, "x.x12");
    const error = await transferFailure(ftpsDriver.deliver(request));
    expect(error.code).toBe("TLS_CERT_UNTRUSTED");
    expect(error.detail).toMatch(/pin mismatch/);
    expect(error.detail).toContain(certs.selfSigned.sha256);
    expect(request.transcript.lines.some((l) => l.direction === ">" && /^(USER|PASS)/.test(l.message))).toBe(false);
    // The server never saw a login attempt.
    expect(server.stats().logins).toBe(before.logins);
    expect(server.stats().failedLogins).toBe(before.failedLogins);
  });

  it("matches the wildcard certificate only for one label under sandbox.test", async () => {
    const file = await randomFile(local.dir, `wild-${mode}.x12`, 1000);
    await ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port, "host.sandbox.test"), USER, file.path, `wild-${mode}.x12`));
    for (const wrongHost of ["a.b.sandbox.test", "sandbox.test.evil.example", "payer.example.com"]) {
      const error = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port, wrongHost), USER, file.path, "x.x12")));
      expect(error.code, wrongHost).toBe("TLS_HOSTNAME_MISMATCH");
    }
  });

  it("says TLS_CERT_UNTRUSTED for a private CA that is not configured, and for a self-signed certificate", async () => {
    const file = await randomFile(local.dir, `untrusted-${mode}.x12`, 1000);
    const noCa = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination({ mode: "ca" }), loopbackTarget(server.port), USER, file.path, "x.x12")));
    expect(noCa.code).toBe("TLS_CERT_UNTRUSTED");
    server.setFaults({ alternateCertificate: certs.selfSigned });
    const selfSigned = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port), USER, file.path, "x.x12")));
    expect(selfSigned.code).toBe("TLS_CERT_UNTRUSTED");
  });

  it("rejects a wrong password as AUTH_PASSWORD_REJECTED", async () => {
    const file = await randomFile(local.dir, `pw-${mode}.x12`, 1000);
    const request = deliveryRequest(destination(), loopbackTarget(server.port), { ...USER, password: "Wrong-Pw-0000" }, file.path, "x.x12");
    const error = await transferFailure(ftpsDriver.deliver(request));
    expect(error.code).toBe("AUTH_PASSWORD_REJECTED");
    expect(error.detail).toMatch(/530/);
    expect(request.transcript.toText()).not.toContain("Wrong-Pw-0000");
  });

  it("reports AUTH_LOCKED once the server locks the account", async () => {
    const locked = { username: "lockme", password: "Lock-Pw-1234" };
    server.setFaults({ lockAfterFailures: 2 });
    const file = await randomFile(local.dir, `lock-${mode}.x12`, 1000);
    const attempt = (password: string) =>
      transferFailure(ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port), { ...locked, password }, file.path, "x.x12")));
    expect((await attempt("bad-1")).code).toBe("AUTH_PASSWORD_REJECTED");
    expect((await attempt("bad-2")).code).toBe("AUTH_LOCKED");
  });

  it("reports PASV_BLOCKED with the port and the expected range when the data port is closed", async () => {
    server.setFaults({ closedPassiveRange: true });
    const file = await randomFile(local.dir, `pasv-${mode}.x12`, 1000);
    const error = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port), USER, file.path, "x.x12")));
    expect(error.code).toBe("PASV_BLOCKED");
    expect(error.detail).toMatch(new RegExp(`port \\d+ .*${range.min}-${range.max}`));
  });

  it("refuses a PASV reply naming another host and never connects there", async () => {
    server.setFaults({ pasvForeignAddress: "127.0.0.2" });
    const file = await randomFile(local.dir, `foreign-${mode}.x12`, 1000);
    const error = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port), USER, file.path, "x.x12")));
    expect(error.code).toBe("PASV_ADDRESS_REFUSED");
    expect(error.detail).toContain("127.0.0.2");
    expect(server.stats().foreignPassiveConnections).toBe(0);
  });

  it("maps a read-only account to REMOTE_PERMISSION and a refused rename to RENAME_REFUSED", async () => {
    const file = await randomFile(local.dir, `perm-${mode}.x12`, 2000);
    server.setFaults({ readOnly: true });
    const readOnly = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port), USER, file.path, `perm-${mode}.x12`)));
    expect(readOnly.code).toBe("REMOTE_PERMISSION");

    server.setFaults({ refuseRename: true });
    const rename = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port), USER, file.path, `perm-${mode}.x12`)));
    expect(rename.code).toBe("RENAME_REFUSED");
    expect((await stat(path.join(root.dir, `perm-${mode}.x12.part`))).size).toBe(2000);
    expect(existsSync(path.join(root.dir, `perm-${mode}.x12`))).toBe(false);
  });

  it("maps a missing remote directory to REMOTE_DIR_NOT_FOUND", async () => {
    const file = await randomFile(local.dir, `dir-${mode}.x12`, 100);
    const error = await transferFailure(
      ftpsDriver.deliver(deliveryRequest(destination(caPolicy(), { remoteDir: "/no-such-dir" }), loopbackTarget(server.port), USER, file.path, "x.x12")),
    );
    expect(error.code).toBe("REMOTE_DIR_NOT_FOUND");
  });

  it("reports every stage of a staged session and lists the directory", async () => {
    await writeFile(path.join(root.dir, `listed-${mode}.txt`), "hello");
    const stages: Array<[FtpsStage, boolean]> = [];
    const transcript = new Transcript();
    const session = await openFtpsSession(destination(), loopbackTarget(server.port), USER, transcript, {
      onStage: (stage, info) => stages.push([stage, info.ok]),
    });
    const files = await session.list();
    await session.close();
    expect(files.map((f) => f.name)).toContain(`listed-${mode}.txt`);
    expect(stages).toEqual([
      ["tcp", true],
      ["tls", true],
      ["certificate", true],
      ["login", true],
      ["protection", true],
      ["passive", true],
      ["data", true],
      ["listing", true],
    ]);
  });

  it("reports the failing stage of a staged session", async () => {
    server.setFaults({ closedPassiveRange: true });
    const stages: Array<[FtpsStage, boolean, string | undefined]> = [];
    const session = await openFtpsSession(destination(), loopbackTarget(server.port), USER, new Transcript(), {
      onStage: (stage, info) => stages.push([stage, info.ok, info.error?.code]),
    });
    const error = await transferFailure(session.list());
    session.abort();
    expect(error.code).toBe("PASV_BLOCKED");
    expect(stages.slice(-2)).toEqual([
      ["passive", true, undefined],
      ["data", false, "PASV_BLOCKED"],
    ]);
  });

  it("throttles uploads on a slow link and reports the rate", async () => {
    server.setFaults({ slowLinkBytesPerSecond: 100_000 });
    const file = await randomFile(local.dir, `slow-${mode}.x12`, 60_000);
    const request = deliveryRequest(destination(), loopbackTarget(server.port), USER, file.path, `slow-${mode}.x12`);
    const result = await ftpsDriver.deliver(request);
    expect(result.durationMs).toBeGreaterThanOrEqual(300);
    expect(request.transcript.toText()).toMatch(/sent 60000 bytes in \d+ ms, [\d.]+ KiB\/s/);
  });

  it("fetches the server identity without logging in", async () => {
    const transcript = new Transcript();
    const trusted = await ftpsDriver.fetchServerIdentity(destination(), loopbackTarget(server.port), transcript);
    expect(trusted).toMatchObject({ kind: "tls-certificate", sha256: certs.wildcard.sha256, trustedByCa: true });
    expect(trusted.subjectAltNames).toContain("DNS:*.sandbox.test");
    expect(trusted.validTo).toMatch(/^\d{4}-/);
    expect(trusted.banner).toMatch(/^220/);

    const untrusted = await ftpsDriver.fetchServerIdentity(destination({ mode: "ca" }), loopbackTarget(server.port), new Transcript());
    expect(untrusted.trustedByCa).toBe(false);
    expect(untrusted.caError).toBeTruthy();
    const wrongName = await ftpsDriver.fetchServerIdentity(destination(), loopbackTarget(server.port, "other.example.com"), new Transcript());
    expect(wrongName.trustedByCa).toBe(false);
    expect(wrongName.caError).toMatch(/ALTNAME/);
    expect(transcript.lines.some((l) => l.direction === ">" && /^(USER|PASS)/.test(l.message))).toBe(false);
  });
});

describe("FTPS client against things that are not the expected FTPS server", () => {
  const servers: net.Server[] = [];
  const accepted: net.Socket[] = [];
  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });
  const listen = (onConnection: (socket: net.Socket) => void) =>
    new Promise<number>((resolve) => {
      const server = net.createServer((socket) => {
        accepted.push(socket);
        onConnection(socket);
      });
      servers.push(server);
      server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
    });

  it.each(["explicit", "implicit"] as const)("says PROTOCOL_MISMATCH when an SSH server answers (%s)", async (mode) => {
    const port = await listen((socket) => {
      socket.resume(); // read, so the client's close is noticed
      socket.end("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
    });
    const file = await randomFile(local.dir, "ssh.x12", 10);
    const error = await transferFailure(
      ftpsDriver.deliver(deliveryRequest(ftpsDestination({ mode, port, tls: { mode: "ca" } }), loopbackTarget(port), USER, file.path, "x.x12")),
    );
    expect(error.code).toBe("PROTOCOL_MISMATCH");
    if (mode === "explicit") expect(error.detail).toContain("SSH-2.0");
  });

  it("says TCP_REFUSED when nothing listens", async () => {
    const port = await listen(() => undefined);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const file = await randomFile(local.dir, "refused.x12", 10);
    const error = await transferFailure(
      ftpsDriver.deliver(deliveryRequest(ftpsDestination({ mode: "implicit", port, tls: { mode: "ca" } }), loopbackTarget(port), USER, file.path, "x.x12")),
    );
    expect(error.code).toBe("TCP_REFUSED");
  });

  it("refuses file names with CR/LF before connecting", async () => {
    const file = await randomFile(local.dir, "crlf.x12", 10);
    const error = await transferFailure(
      ftpsDriver.deliver(deliveryRequest(ftpsDestination({ mode: "explicit", port: 1, tls: { mode: "ca" } }), loopbackTarget(1), USER, file.path, "a.x12\r\nDELE b")),
    );
    expect(error.message).toMatch(/line break/);
  });
});
