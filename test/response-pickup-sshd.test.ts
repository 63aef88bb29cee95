/**
 * Picking up payer response files from the real OpenSSH server (Debian's sshd, internal-sftp,
 * password then key): fetched once, then deleted or archived on the server by the account itself.
 */
import { expectSealedOnDisk, plaintextOf } from "@/test/support/sealed";
import { createHash } from "node:crypto";
import { chown, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pickupInThisThread, settleInThisThread } from "@/lib/responses/pickup-driver";
import type { PickupRequest, ResponseLocation, SettleRequest } from "@/lib/responses/types";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { generateClientKeyPair, type ClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { TransferError } from "@/lib/transfers/errors";
import { Transcript } from "@/lib/transfers/transcript";
import { startRealSshd, type RealSshd } from "@/test/support/sshd";

const PASSPHRASE = "pickup sshd passphrase";
const PREFIX = "responses/2026-12";
const FIXTURES = path.join(__dirname, "fixtures", "x12");

let sshd: RealSshd;
let partnerKey: ClientKeyPair;
let workDir: string;
let stagingRoot: string;
let outbound: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "response-pickup-sshd-"));
  stagingRoot = path.join(workDir, "staging");
  partnerKey = generateClientKeyPair({ passphrase: PASSPHRASE });
  sshd = await startRealSshd();
  await sshd.authorizeKey(partnerKey.publicKey);
  outbound = path.join(path.dirname(sshd.incomingDir), "outbound");
});

afterEach(async () => {
  await rm(outbound, { recursive: true, force: true });
  await rm(stagingRoot, { recursive: true, force: true });
});

afterAll(async () => {
  await sshd?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** The payer's answer in the account's outbound folder (owned by the account, as the payer's server would leave it). */
async function place(name: string, content: Buffer | string, ageSeconds: number): Promise<void> {
  await mkdir(outbound, { recursive: true });
  await chown(outbound, sshd.uid, sshd.gid);
  const file = path.join(outbound, name);
  await writeFile(file, content);
  await chown(file, sshd.uid, sshd.gid);
  const when = new Date(Math.floor(Date.now() / 1000) * 1000 - ageSeconds * 1000);
  await utimes(file, when, when);
}

const location = (overrides: Partial<ResponseLocation> = {}): ResponseLocation => ({ remoteDir: outbound, pattern: null, afterPickup: "leave", moveDir: null, ...overrides });

function connection() {
  const { destination, target } = localSftpDestination(sshd, { remoteDir: sshd.incomingDir });
  return { destination, target, credentials: { username: sshd.username, password: sshd.password, privateKey: partnerKey.privateKey, passphrase: PASSPHRASE } };
}

function pickupRequest(overrides: Partial<PickupRequest> = {}): PickupRequest {
  return { ...connection(), location: location(), known: [], stagingRoot, stagingPrefix: PREFIX, maxFiles: 10, maxFileBytes: 1024 * 1024, transcript: new Transcript(), ...overrides };
}

function settleRequest(names: string[], where: Partial<ResponseLocation>): SettleRequest {
  return { ...connection(), location: location(where), names, transcript: new Transcript() };
}

describe("response pickup from a real OpenSSH server", () => {
  it("fetches the payer's files oldest first with their times, and only once", async () => {
    await place("S9-20261202-090000P.277", await readFile(path.join(FIXTURES, "277ca-mixed.x12")), 100);
    await place("S9-20261202-090000P.999", await readFile(path.join(FIXTURES, "999-partial.x12")), 300);
    await place("S9-20261202-090000P.TA1", await readFile(path.join(FIXTURES, "ta1-rejected.x12")), 200);
    await place("S9-20261202-090000P.999.part", "ISA*still writing", 50);
    const transcript = new Transcript();

    const first = await pickupInThisThread(pickupRequest({ transcript, location: location({ pattern: "^S9-" }) }));
    expect(first.downloaded.map((f) => f.remoteName)).toEqual(["S9-20261202-090000P.999", "S9-20261202-090000P.TA1", "S9-20261202-090000P.277"]);
    for (const file of first.downloaded) {
      const onServer = await readFile(path.join(outbound, file.remoteName));
      expect(file.sha256).toBe(sha256(onServer));
      expect(await expectSealedOnDisk(path.join(stagingRoot, file.stagingKey), onServer)).toBe(true);
      expect((await plaintextOf(path.join(stagingRoot, file.stagingKey), file.fileKey)).equals(onServer)).toBe(true);
      expect(file.modifiedAt).toBe((await stat(path.join(outbound, file.remoteName))).mtime.toISOString());
    }
    expect((await readdir(path.join(stagingRoot, PREFIX))).filter((name) => name.endsWith(".part"))).toEqual([]);
    expect(transcript.toText()).toMatch(/^.*Server ident: SSH-2\.0-OpenSSH_/m);
    expect(transcript.toText()).not.toContain(sshd.password);

    const known = first.downloaded.map(({ remoteName, size, modifiedAt }) => ({ name: remoteName, size, modifiedAt }));
    const second = await pickupInThisThread(pickupRequest({ known, location: location({ pattern: "^S9-" }) }));
    expect(second).toMatchObject({ matched: 3, skippedKnown: 3, downloaded: [] });
  });

  it("deletes recorded files on the server and reports one already gone as missing", async () => {
    await place("a.999", "ISA*a", 100);
    await place("b.999", "ISA*b", 100);
    const result = await settleInThisThread(settleRequest(["a.999", "gone.999"], { afterPickup: "delete" }));
    expect(result.settled).toEqual([
      { name: "a.999", outcome: "deleted" },
      { name: "gone.999", outcome: "missing" },
    ]);
    expect(await readdir(outbound)).toEqual(["b.999"]);
  });

  it("moves recorded files into the archive folder, created by the account, with a suffix for a name already there", async () => {
    await place("c.999", "ISA*first c", 100);
    const first = await settleInThisThread(settleRequest(["c.999"], { afterPickup: "move", moveDir: "archive" }));
    expect(first.settled).toEqual([{ name: "c.999", outcome: "moved" }]);
    await place("c.999", "ISA*second c", 50);
    const second = await settleInThisThread(settleRequest(["c.999"], { afterPickup: "move", moveDir: path.join(outbound, "archive") }));
    expect(second.settled).toEqual([{ name: "c.999", outcome: "moved" }]);

    const archive = path.join(outbound, "archive");
    expect((await stat(archive)).uid).toBe(sshd.uid);
    const archived = (await readdir(archive)).sort();
    expect(archived[0]).toBe("c.999");
    expect(archived[1]).toMatch(/^c\.999\.\d{8}T\d{9}Z$/);
    expect(await readFile(path.join(archive, archived[1]), "utf8")).toBe("ISA*second c");
    expect(await readdir(outbound)).toEqual(["archive"]);
  });

  it("fails with REMOTE_DIR_NOT_FOUND for a missing outbound folder", async () => {
    const error = await pickupInThisThread(pickupRequest({ location: location({ remoteDir: path.join(outbound, "missing") }) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe("REMOTE_DIR_NOT_FOUND");
  });
});
