/**
 * FTPS: a retry finds the file an earlier attempt already renamed into place (same SIZE, same
 * SHA-256 read back over RETR) and records it as delivered without sending it again; another file
 * under that name is never taken for ours.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ftpsDriver } from "@/lib/ftps";
import { generateSandboxCertificates } from "@/lib/sandbox/certificates";
import { startSandboxFtpsServer, type SandboxFtpsServer } from "@/lib/sandbox/ftps-server";
import { deliveryRequest, ftpsDestination, loopbackTarget, randomFile, tempDir } from "@/test/ftps-fixtures";
import { freePortRange } from "@/test/support/vsftpd";

const USER = { username: "partner01", password: "Sandbox-Pw-7731!" };
let server: SandboxFtpsServer;
let root: { dir: string; cleanup: () => Promise<void> };
let local: { dir: string; cleanup: () => Promise<void> };
let range: { min: number; max: number };
let caPem: string;

beforeAll(async () => {
  const certs = await generateSandboxCertificates();
  caPem = certs.ca.certPem;
  root = await tempDir("ftps-reconcile-root-");
  local = await tempDir("ftps-reconcile-local-");
  range = await freePortRange(8);
  server = await startSandboxFtpsServer({ rootDir: root.dir, mode: "explicit", users: [USER], certificate: certs.wildcard, passivePortRange: range });
});
afterAll(async () => {
  await server?.close();
  await root?.cleanup();
  await local?.cleanup();
});

const sha256 = (content: Buffer) => crypto.createHash("sha256").update(content).digest("hex");
const request = (file: { path: string; content: Buffer }, remoteName: string) =>
  deliveryRequest(
    ftpsDestination({ mode: "explicit", port: server.port, tls: { mode: "ca", caPem }, passivePortRange: range }),
    loopbackTarget(server.port),
    USER,
    file.path,
    remoteName,
    { expectedSha256: sha256(file.content), reconcile: true },
  );

describe("an FTPS retry after an attempt that may have completed", () => {
  it("recognises our own file by size and SHA-256, removes the stray temp file and sends nothing", async () => {
    const file = await randomFile(local.dir, "ours.bin", 48 * 1024);
    fs.writeFileSync(path.join(root.dir, "CLAIMS-1.TXT"), file.content);
    fs.writeFileSync(path.join(root.dir, "CLAIMS-1.TXT.part"), file.content.subarray(0, 100));
    const mtime = fs.statSync(path.join(root.dir, "CLAIMS-1.TXT")).mtimeMs;
    const delivery = request(file, "CLAIMS-1.TXT");
    const result = await ftpsDriver.deliver(delivery);
    expect(result.reconciled).toBe("size-and-sha256");
    expect(fs.existsSync(path.join(root.dir, "CLAIMS-1.TXT.part"))).toBe(false);
    expect(fs.statSync(path.join(root.dir, "CLAIMS-1.TXT")).mtimeMs).toBe(mtime);
    expect(delivery.transcript.toText()).toMatch(/already on the server with the same size and SHA-256/);
    expect(delivery.transcript.toText()).not.toMatch(/STOR /);
  });

  it("with a write-only drop box, the same name and size decide", async () => {
    server.setFaults({ writeOnly: true });
    try {
      const file = await randomFile(local.dir, "ours3.bin", 48 * 1024);
      fs.writeFileSync(path.join(root.dir, "CLAIMS-3.TXT"), file.content);
      const delivery = request(file, "CLAIMS-3.TXT");
      const result = await ftpsDriver.deliver(delivery);
      expect(result.reconciled).toBe("size");
      expect(delivery.transcript.toText()).toMatch(/does not let us read it back, so the size decides/);
    } finally {
      server.setFaults({});
    }
  });

  it("sends ours when another file of the same size holds the name", async () => {
    const file = await randomFile(local.dir, "ours2.bin", 48 * 1024);
    fs.writeFileSync(path.join(root.dir, "CLAIMS-2.TXT"), crypto.randomBytes(file.content.length));
    const delivery = request(file, "CLAIMS-2.TXT");
    const result: Awaited<ReturnType<typeof ftpsDriver.deliver>> | Error = await ftpsDriver.deliver(delivery).catch((error: Error) => error);
    expect(delivery.transcript.toText()).toMatch(/another SHA-256/);
    // Whether the server lets the rename replace the file is its own rule; ours never pretends it was delivered.
    if (!(result instanceof Error)) {
      expect(result.reconciled).toBeUndefined();
      expect(fs.readFileSync(path.join(root.dir, "CLAIMS-2.TXT"))).toEqual(file.content);
    }
  });
});
