/**
 * Picking up payer response files from the real Debian vsftpd (TLS on control and data, session
 * reuse required, chrooted account): fetched once, then deleted or archived on the server.
 */
import { expectSealedOnDisk, plaintextOf } from "@/test/support/sealed";
import { createHash } from "node:crypto";
import { chown, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pickupInThisThread, settleInThisThread } from "@/lib/responses/pickup-driver";
import type { PickupRequest, ResponseLocation, SettleRequest } from "@/lib/responses/types";
import { generateSandboxCertificates, type SandboxCertificates } from "@/lib/sandbox/certificates";
import { TransferError } from "@/lib/transfers/errors";
import { Transcript } from "@/lib/transfers/transcript";
import { ftpsDestination, loopbackTarget, tempDir } from "@/test/ftps-fixtures";
import { readVsftpdLog, startVsftpd, type VsftpdServer } from "@/test/support/vsftpd";

const PREFIX = "responses/2026-12";
const FIXTURES = path.join(__dirname, "fixtures", "x12");

let certs: SandboxCertificates;
let server: VsftpdServer;
let staging: { dir: string; cleanup: () => Promise<void> };
let outbound: string;
let owner: { uid: number; gid: number };

beforeAll(async () => {
  certs = await generateSandboxCertificates();
  staging = await tempDir("response-pickup-vsftpd-");
  server = await startVsftpd({ mode: "explicit", certificate: certs.wildcard });
  outbound = path.join(server.homeDir, "outbound");
  owner = await stat(server.incomingDir); // the FTP account owns its writable folders
});

afterEach(async () => {
  await rm(outbound, { recursive: true, force: true });
  await rm(path.join(staging.dir, "responses"), { recursive: true, force: true });
});

afterAll(async () => {
  await server?.stop();
  await staging?.cleanup();
});

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

async function place(name: string, content: Buffer | string): Promise<void> {
  await mkdir(outbound, { recursive: true });
  await chown(outbound, owner.uid, owner.gid);
  await writeFile(path.join(outbound, name), content);
  await chown(path.join(outbound, name), owner.uid, owner.gid);
}

const location = (overrides: Partial<ResponseLocation> = {}): ResponseLocation => ({ remoteDir: "/outbound", pattern: null, afterPickup: "leave", moveDir: null, ...overrides });

function connection() {
  return {
    destination: ftpsDestination({ mode: "explicit", port: server.port, tls: { mode: "ca", caPem: certs.ca.certPem }, passivePortRange: server.passivePortRange, remoteDir: "/incoming" }),
    target: loopbackTarget(server.port),
    credentials: { username: server.username, password: server.password },
  };
}

function pickupRequest(overrides: Partial<PickupRequest> = {}): PickupRequest {
  return { ...connection(), location: location(), known: [], stagingRoot: staging.dir, stagingPrefix: PREFIX, maxFiles: 10, maxFileBytes: 1024 * 1024, transcript: new Transcript(), ...overrides };
}

function settleRequest(names: string[], where: Partial<ResponseLocation>): SettleRequest {
  return { ...connection(), location: location(where), names, transcript: new Transcript() };
}

/** Run, and on failure show the transcript and vsftpd's own log. */
async function explained<T>(run: Promise<T>, transcript: Transcript): Promise<T> {
  return run.catch(async (error: unknown) => {
    throw new Error(`${String(error)}\n${transcript.toText()}\n${await readVsftpdLog(server)}`, { cause: error });
  });
}

describe("response pickup from a real vsftpd", () => {
  it("fetches the payer's files over a TLS data connection, and only once", async () => {
    await place("R7-20261202-090000P.999", await readFile(path.join(FIXTURES, "999-accepted.x12")));
    await place("R7-20261202-090000P.TA1", await readFile(path.join(FIXTURES, "ta1-accepted.x12")));
    await place("unrelated.txt", "payer newsletter");
    const request = pickupRequest({ location: location({ pattern: "^R7-" }) });

    const first = await explained(pickupInThisThread(request), request.transcript);
    expect(first.matched).toBe(2);
    expect(first.downloaded.map((f) => f.remoteName).sort()).toEqual(["R7-20261202-090000P.999", "R7-20261202-090000P.TA1"]);
    for (const file of first.downloaded) {
      const onServer = await readFile(path.join(outbound, file.remoteName));
      expect(file.sha256).toBe(sha256(onServer));
      expect(await expectSealedOnDisk(path.join(staging.dir, file.stagingKey), onServer)).toBe(true);
      expect((await plaintextOf(path.join(staging.dir, file.stagingKey), file.fileKey)).equals(onServer)).toBe(true);
      // vsftpd has no MLSD: LIST dates are not trusted, so the time is unknown.
      expect(file.modifiedAt).toBe("");
    }
    expect((await readdir(path.join(staging.dir, PREFIX))).filter((name) => name.endsWith(".part"))).toEqual([]);
    const text = request.transcript.toText();
    expect(text).toMatch(/session reused/);
    expect(text).toMatch(/RETR R7-20261202-090000P\.999/);
    expect(text).not.toContain(server.password);

    const known = first.downloaded.map(({ remoteName, size, modifiedAt }) => ({ name: remoteName, size, modifiedAt }));
    const second = await pickupInThisThread(pickupRequest({ known, location: location({ pattern: "^R7-" }) }));
    expect(second).toMatchObject({ matched: 2, skippedKnown: 2, downloaded: [] });
  });

  it("deletes recorded files on the server and reports one already gone as missing", async () => {
    await place("a.999", "ISA*a");
    await place("b.999", "ISA*b");
    const request = settleRequest(["a.999", "gone.999"], { afterPickup: "delete" });
    const result = await explained(settleInThisThread(request), request.transcript);
    expect(result.settled).toEqual([
      { name: "a.999", outcome: "deleted" },
      { name: "gone.999", outcome: "missing" },
    ]);
    expect(await readdir(outbound)).toEqual(["b.999"]);
  });

  it("moves recorded files into the archive folder (MKD on first use), with a suffix for a name already there", async () => {
    await place("c.999", "ISA*first c");
    const first = settleRequest(["c.999"], { afterPickup: "move", moveDir: "archive" });
    expect((await explained(settleInThisThread(first), first.transcript)).settled).toEqual([{ name: "c.999", outcome: "moved" }]);
    await place("c.999", "ISA*second c");
    await place("d.999", "ISA*d");
    const second = settleRequest(["c.999", "d.999"], { afterPickup: "move", moveDir: "/outbound/archive" });
    expect((await explained(settleInThisThread(second), second.transcript)).settled).toEqual([
      { name: "c.999", outcome: "moved" },
      { name: "d.999", outcome: "moved" },
    ]);

    const archive = path.join(outbound, "archive");
    const archived = (await readdir(archive)).sort();
    expect(archived).toHaveLength(3);
    expect(archived).toContain("d.999");
    const suffixed = archived.find((name) => /^c\.999\.\d{8}T\d{9}Z$/.test(name));
    expect(await readFile(path.join(archive, suffixed!), "utf8")).toBe("ISA*second c");
    expect(await readFile(path.join(archive, "c.999"), "utf8")).toBe("ISA*first c");
    expect(await readdir(outbound)).toEqual(["archive"]);
  });

  it("fails with REMOTE_DIR_NOT_FOUND for a missing outbound folder", async () => {
    const error = await pickupInThisThread(pickupRequest({ location: location({ remoteDir: "/missing" }) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe("REMOTE_DIR_NOT_FOUND");
  });
});
