/**
 * #17 point 4, "pinning means pinned": pinning an FTPS certificate switches the destination to
 * pinned verification in the same step, and fetch-and-review explains certificate names that do
 * not cover the host.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents } from "@/db/schema";
import { createDestination, getDestination, pinFingerprint, unpinFingerprint } from "@/lib/destinations/service";
import { destinationPresets } from "@/lib/destinations/presets";
import { toDestinationSpec } from "@/lib/destinations/spec";
import { checkCertificateNames } from "@/lib/ftps/certificate";
import { ftpsDriver } from "@/lib/ftps";
import { generateSandboxCertificates, type SandboxCertificates } from "@/lib/sandbox/certificates";
import { startSandboxFtpsServer, type SandboxFtpsServer } from "@/lib/sandbox/ftps-server";
import { freePortRange } from "@/test/support/vsftpd";
import { deliveryRequest, loopbackTarget, randomFile, tempDir, transferFailure } from "@/test/ftps-fixtures";
import { staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";

withTestDatabase();
const ftpsPreset = destinationPresets.find((p) => p.values.protocol === "ftps_explicit")!.values;
const USER = { username: "partner01", password: "Sandbox-Pw-7731!" };

async function auditDetails(action: string, destinationId: string) {
  const db = await getDb();
  const rows = await db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.action, action));
  return rows.filter((row) => row.target?.includes(destinationId)).map((row) => row.detail);
}

describe("pinning an FTPS certificate", () => {
  it("switches the destination to pinned verification in the same audited change; removing the last pin returns it to CA verification", async () => {
    const { actor: admin } = await staff("admin");
    const created = await createDestination(admin, { ...ftpsPreset, tlsMode: "ca" });
    const fingerprint = "ab".repeat(32);
    const normalised = Array(32).fill("AB").join(":");

    expect(await pinFingerprint(admin, created.id, fingerprint)).toEqual({ tlsMode: { from: "ca", to: "pinned" } });
    const pinned = await getDestination(admin, created.id);
    expect(pinned.tlsMode).toBe("pinned");
    expect(pinned.tlsPins).toEqual([normalised]);
    expect(toDestinationSpec(pinned).tls).toEqual({ mode: "pinned", certSha256: [normalised] });
    expect(await auditDetails("destination.pinned", created.id)).toEqual([{ fingerprint: normalised, tlsMode: { from: "ca", to: "pinned" } }]);

    // Pinning the same certificate again changes nothing and writes nothing.
    expect(await pinFingerprint(admin, created.id, fingerprint)).toEqual({ tlsMode: { from: "pinned", to: "pinned" } });
    expect(await auditDetails("destination.pinned", created.id)).toHaveLength(1);

    // A second pin keeps the mode; removing one of two keeps it too.
    await pinFingerprint(admin, created.id, "cd".repeat(32));
    expect(await unpinFingerprint(admin, created.id, normalised)).toEqual({ tlsMode: { from: "pinned", to: "pinned" } });
    expect((await getDestination(admin, created.id)).tlsMode).toBe("pinned");

    // Removing the last pin returns to CA verification instead of refusing every connection.
    const last = Array(32).fill("CD").join(":");
    expect(await unpinFingerprint(admin, created.id, last)).toEqual({ tlsMode: { from: "pinned", to: "ca" } });
    const after = await getDestination(admin, created.id);
    expect(after.tlsMode).toBe("ca");
    expect(after.tlsPins).toEqual([]);
    expect((await auditDetails("destination.unpinned", created.id)).at(-1)).toEqual({ fingerprint: last, tlsMode: { from: "pinned", to: "ca" } });
  });

  it("pins on an SFTP destination do not touch the TLS mode", async () => {
    const { actor: admin } = await staff("admin");
    const sftp = await createDestination(admin, destinationPresets.find((p) => p.values.protocol === "sftp")!.values);
    expect(await pinFingerprint(admin, sftp.id, "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8")).toEqual({});
    expect((await getDestination(admin, sftp.id)).tlsMode).toBe("ca");
  });

  describe("against the sandbox FTPS payer with a self-signed certificate", () => {
    let certs: SandboxCertificates;
    let server: SandboxFtpsServer;
    let root: { dir: string; cleanup: () => Promise<void> };
    let local: { dir: string; cleanup: () => Promise<void> };
    let range: { min: number; max: number };

    beforeAll(async () => {
      certs = await generateSandboxCertificates();
      root = await tempDir("pin-root-");
      local = await tempDir("pin-local-");
      range = await freePortRange(8);
      server = await startSandboxFtpsServer({ rootDir: root.dir, mode: "explicit", users: [USER], certificate: certs.selfSigned, passivePortRange: range });
    });
    afterAll(async () => {
      await server?.close();
      await root?.cleanup();
      await local?.cleanup();
    });

    it("a delivery that CA verification refuses succeeds right after pinning, with no other setting changed", async () => {
      const { actor: admin } = await staff("admin");
      const created = await createDestination(admin, {
        ...ftpsPreset,
        name: "Self-signed payer",
        host: "ftps.sandbox.test",
        port: server.port,
        tlsMode: "ca",
        passivePortMin: range.min,
        passivePortMax: range.max,
      });
      const file = await randomFile(local.dir, "CLAIMS.X12", 4096);
      const deliver = async (remoteName: string) =>
        ftpsDriver.deliver(deliveryRequest(toDestinationSpec(await getDestination(admin, created.id)), loopbackTarget(server.port), USER, file.path, remoteName));

      expect((await transferFailure(deliver("BEFORE.X12"))).code).toBe("TLS_CERT_UNTRUSTED");

      await pinFingerprint(admin, created.id, certs.selfSigned.sha256);
      const result = await deliver("AFTER.X12");
      expect(result.bytes).toBe(file.content.length);
      expect(result.remotePath).toBe("/AFTER.X12");
    });
  });
});

describe("certificate names against the configured host", () => {
  const wildcard = ["DNS:*.example.test"];

  it("a wildcard covers exactly one label", () => {
    expect(checkCertificateNames("a.example.test", wildcard, "CN=*.example.test").matches).toBe(true);
    expect(checkCertificateNames("A.Example.Test", wildcard, "CN=*.example.test").matches).toBe(true);

    const apex = checkCertificateNames("example.test", wildcard, "CN=*.example.test");
    expect(apex.matches).toBe(false);
    expect(apex.names).toEqual(["*.example.test"]);
    expect(apex.explanation).toContain("The certificate is issued for *.example.test, not for example.test.");
    expect(apex.explanation).toContain("not example.test itself");

    const deeper = checkCertificateNames("a.b.example.test", wildcard, "CN=*.example.test");
    expect(deeper.matches).toBe(false);
    expect(deeper.explanation).toContain("exactly one label");
  });

  it("says what a mismatch means for CA verification and for pinning", () => {
    const other = checkCertificateNames("ftp.payer.test", ["DNS:wrong.example.invalid"], "O=Sandbox, CN=wrong.example.invalid");
    expect(other.matches).toBe(false);
    expect(other.explanation).toMatch(/CA verification .* refuses this server \(TLS_HOSTNAME_MISMATCH\)/);
    expect(other.explanation).toMatch(/Pinning accepts this exact certificate, by its SHA-256 fingerprint, regardless of its names or issuer/);
  });

  it("uses the CN only when there are no DNS names, and IP names for IP hosts", () => {
    expect(checkCertificateNames("ftp.payer.test", [], "O=Payer, CN=ftp.payer.test").matches).toBe(true);
    expect(checkCertificateNames("ftp.payer.test", ["DNS:other.payer.test"], "CN=ftp.payer.test").matches).toBe(false);
    expect(checkCertificateNames("10.0.0.5", ["IP Address:10.0.0.5"], "CN=x").matches).toBe(true);
    const none = checkCertificateNames("ftp.payer.test", [], "O=Payer");
    expect(none.matches).toBe(false);
    expect(none.explanation).toContain("names no host at all");
  });
});
