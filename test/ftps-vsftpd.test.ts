/**
 * The FTPS driver against the real Debian vsftpd: TLS forced on control and data, TLS session
 * reuse required (require_ssl_reuse=YES), passive range, chrooted local user.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ftpsDriver, openFtpsSession, type FtpsStage } from "@/lib/ftps";
import { generateSandboxCertificates, type SandboxCertificates } from "@/lib/sandbox/certificates";
import { Transcript } from "@/lib/transfers/transcript";
import type { TlsPolicy } from "@/lib/transfers/types";
import { readVsftpdLog, startVsftpd, type VsftpdServer } from "@/test/support/vsftpd";
import { deliveryRequest, ftpsDestination, loopbackTarget, randomFile, tempDir, transferFailure } from "@/test/ftps-fixtures";

let certs: SandboxCertificates;
let local: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  certs = await generateSandboxCertificates();
  local = await tempDir("vsftpd-local-");
});
afterAll(async () => {
  await local.cleanup();
});

describe.each(["explicit", "implicit"] as const)("real vsftpd, %s TLS", (mode) => {
  let server: VsftpdServer;
  beforeAll(async () => {
    server = await startVsftpd({ mode, certificate: certs.wildcard });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const credentials = () => ({ username: server.username, password: server.password });
  const caPolicy = (): TlsPolicy => ({ mode: "ca", caPem: certs.ca.certPem });
  const destination = (tls: TlsPolicy = caPolicy(), remoteDir = "/incoming") =>
    ftpsDestination({ mode, port: server.port, tls, passivePortRange: server.passivePortRange, remoteDir });

  it("delivers with temp name, size check and rename, resuming the TLS session on the data connection", async () => {
    const file = await randomFile(local.dir, `remit-${mode}.x12`, 300_000);
    const request = deliveryRequest(destination(), loopbackTarget(server.port), credentials(), file.path, `remit-${mode}.x12`);
    const result = await ftpsDriver.deliver(request).catch(async (error) => {
      throw new Error(`${error}\n${request.transcript.toText()}\n${await readVsftpdLog(server)}`);
    });

    expect(result.remotePath).toBe(`/incoming/remit-${mode}.x12`);
    expect(result.bytes).toBe(300_000);
    // vsftpd refuses data connections that do not resume the control session (require_ssl_reuse=YES).
    expect(result.negotiated.tlsSessionReused).toBe(true);
    expect(result.negotiated.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
    expect(result.negotiated.serverBanner).toMatch(/vsFTPd/);
    expect((await readFile(path.join(server.incomingDir, `remit-${mode}.x12`))).equals(file.content)).toBe(true);
    expect(existsSync(path.join(server.incomingDir, `remit-${mode}.x12.part`))).toBe(false);

    const sent = request.transcript.lines.filter((l) => l.direction === ">").map((l) => l.message);
    expect(sent).toEqual(expect.arrayContaining([`STOR remit-${mode}.x12.part`, `SIZE remit-${mode}.x12.part`, `RNFR remit-${mode}.x12.part`, `RNTO remit-${mode}.x12`, "PASS ****"]));
    expect(request.transcript.toText()).toMatch(/session reused/);
    expect(request.transcript.toText()).not.toContain(server.password);
  });

  it("resumes from the remote temp size after the upload is cut", async () => {
    const file = await randomFile(local.dir, `big-${mode}.x12`, 8 * 1024 * 1024);
    const controller = new AbortController();
    const cut = await transferFailure(
      ftpsDriver.deliver(
        deliveryRequest(destination(), loopbackTarget(server.port), credentials(), file.path, `big-${mode}.x12`, {
          signal: controller.signal,
          // Cut only once the server has stored part of the file, so there is something to resume.
          onProgress: () => {
            const part = path.join(server.incomingDir, `big-${mode}.x12.part`);
            if (!controller.signal.aborted && existsSync(part) && statSync(part).size > 0) controller.abort();
          },
        }),
      ),
    );
    expect(cut.code).toBe("CONNECTION_LOST");
    expect(existsSync(path.join(server.incomingDir, `big-${mode}.x12.part`))).toBe(true);

    const request = deliveryRequest(destination(), loopbackTarget(server.port), credentials(), file.path, `big-${mode}.x12`);
    const result = await ftpsDriver.deliver(request);
    expect(result.resumedFromByte).toBeGreaterThan(0);
    expect(result.resumedFromByte).toBeLessThan(file.content.length);
    expect(request.transcript.lines.map((l) => l.message)).toContain(`APPE big-${mode}.x12.part`);
    expect((await readFile(path.join(server.incomingDir, `big-${mode}.x12`))).equals(file.content)).toBe(true);
  });

  it("accepts the pinned certificate and refuses another pin before USER/PASS", async () => {
    const file = await randomFile(local.dir, `pin-${mode}.x12`, 4000);
    const ok = await ftpsDriver.deliver(
      deliveryRequest(destination({ mode: "pinned", certSha256: [server.certificateSha256] }), loopbackTarget(server.port), credentials(), file.path, `pin-${mode}.x12`),
    );
    expect(ok.negotiated.tlsSessionReused).toBe(true);

    const request = deliveryRequest(destination({ mode: "pinned", certSha256: [certs.selfSigned.sha256] }), loopbackTarget(server.port), credentials(), file.path, "x.x12");
    const error = await transferFailure(ftpsDriver.deliver(request));
    expect(error.code).toBe("TLS_CERT_UNTRUSTED");
    expect(error.detail).toMatch(/pin mismatch/);
    expect(request.transcript.lines.some((l) => l.direction === ">" && /^(USER|PASS)/.test(l.message))).toBe(false);
  });

  it("verifies against the private CA, with wildcard name matching", async () => {
    const file = await randomFile(local.dir, `ca-${mode}.x12`, 1000);
    await ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port, "host.sandbox.test"), credentials(), file.path, `ca-${mode}.x12`));
    const mismatch = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port, "host.other.test"), credentials(), file.path, "x.x12")));
    expect(mismatch.code).toBe("TLS_HOSTNAME_MISMATCH");
    const untrusted = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination({ mode: "ca" }), loopbackTarget(server.port), credentials(), file.path, "x.x12")));
    expect(untrusted.code).toBe("TLS_CERT_UNTRUSTED");
  });

  it("maps wrong password, read-only directory and missing directory", async () => {
    const file = await randomFile(local.dir, `err-${mode}.x12`, 1000);
    const password = await transferFailure(
      ftpsDriver.deliver(deliveryRequest(destination(), loopbackTarget(server.port), { username: server.username, password: "not-the-password" }, file.path, "x.x12")),
    );
    expect(password.code).toBe("AUTH_PASSWORD_REJECTED");
    const readOnly = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination(caPolicy(), "/readonly"), loopbackTarget(server.port), credentials(), file.path, "x.x12")));
    expect(readOnly.code).toBe("REMOTE_PERMISSION");
    const missing = await transferFailure(ftpsDriver.deliver(deliveryRequest(destination(caPolicy(), "/nope"), loopbackTarget(server.port), credentials(), file.path, "x.x12")));
    expect(missing.code).toBe("REMOTE_DIR_NOT_FOUND");
  });

  it("runs the staged session (listing) and fetches the identity without logging in", async () => {
    const stages: FtpsStage[] = [];
    const session = await openFtpsSession(destination(), loopbackTarget(server.port), credentials(), new Transcript(), {
      onStage: (stage, info) => {
        expect(info.ok).toBe(true);
        stages.push(stage);
      },
    });
    await session.cd("/incoming");
    await session.list();
    await session.close();
    expect(stages).toEqual(["tcp", "tls", "certificate", "login", "protection", "passive", "data", "listing"]);

    const identity = await ftpsDriver.fetchServerIdentity(destination(), loopbackTarget(server.port), new Transcript());
    expect(identity).toMatchObject({ kind: "tls-certificate", sha256: server.certificateSha256, trustedByCa: true });
    expect(identity.banner).toMatch(/vsFTPd/);
  });
});
