/**
 * Picking up payer response files from the sandbox payers (the ssh2 SFTP server and the FTPS
 * server, real protocols on loopback): which files are fetched, how they land in the staging store,
 * once-only with the known list, and settling (delete / move / leave) on the server's disk. One
 * test per protocol goes through the portal's protocol worker threads, as the poller calls it.
 */
import { expectSealedOnDisk, plaintextOf } from "@/test/support/sealed";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pickupInThisThread, settleInThisThread } from "@/lib/responses/pickup-driver";
import type { PickupRequest, ResponseLocation, SettleRequest } from "@/lib/responses/types";
import { generateSandboxCertificates } from "@/lib/sandbox/certificates";
import { startSandboxFtpsServer, type SandboxFtpsServer } from "@/lib/sandbox/ftps-server";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { generateClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { TransferError } from "@/lib/transfers/errors";
import { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, UpstreamCredentials, ValidatedTarget } from "@/lib/transfers/types";
import { pickupResponsesOffThread, settleResponsesOffThread } from "@/lib/workers/calls";
import { ftpsDestination, loopbackTarget } from "@/test/ftps-fixtures";
import { freePortRange } from "@/test/support/vsftpd";

const SFTP_USER = { username: "fl-partner-0077", password: "Sftp-Sandbox-pw-9021" };
const FTPS_USER = { username: "partner77", password: "Ftps-Sandbox-pw-4410" };
const PASSPHRASE = "pickup key passphrase";
const FIXTURES = path.join(__dirname, "fixtures", "x12");
const PREFIX = "responses/2026-12";
/** The sandboxes may answer submissions on their own: these tests place every response file themselves. */
const NO_AUTOMATIC_ANSWERS = { respond: false } as object;

interface Payer {
  protocol: "sftp" | "ftps";
  /** The account's root on disk: its /outbound is where the payer leaves answers. */
  root: string;
  destination: DestinationSpec;
  target: ValidatedTarget;
  credentials: UpstreamCredentials;
}

let workDir: string;
let stagingRoot: string;
let sftpServer: SandboxSftpServer;
let ftpsServer: SandboxFtpsServer;
const payers: Record<Payer["protocol"], Payer> = {} as never;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "response-pickup-"));
  stagingRoot = path.join(workDir, "staging");

  const sftpRoot = path.join(workDir, "sftp-payer");
  const key = generateClientKeyPair({ passphrase: PASSPHRASE });
  sftpServer = await startSandboxSftpServer({ rootDir: sftpRoot, users: [{ ...SFTP_USER, publicKeys: [key.publicKey] }], ...NO_AUTOMATIC_ANSWERS });
  const sftp = localSftpDestination(sftpServer);
  payers.sftp = {
    protocol: "sftp",
    root: sftpRoot,
    ...sftp,
    credentials: { ...SFTP_USER, privateKey: key.privateKey, passphrase: PASSPHRASE },
  };

  const ftpsRoot = path.join(workDir, "ftps-payer");
  await mkdir(ftpsRoot, { recursive: true });
  const certs = await generateSandboxCertificates();
  const range = await freePortRange(8);
  ftpsServer = await startSandboxFtpsServer({ rootDir: ftpsRoot, mode: "explicit", users: [FTPS_USER], certificate: certs.wildcard, passivePortRange: range, ...NO_AUTOMATIC_ANSWERS });
  payers.ftps = {
    protocol: "ftps",
    root: ftpsRoot,
    destination: ftpsDestination({ mode: "explicit", port: ftpsServer.port, tls: { mode: "ca", caPem: certs.ca.certPem }, passivePortRange: range, remoteDir: "/incoming" }),
    target: loopbackTarget(ftpsServer.port),
    credentials: FTPS_USER,
  };
});

afterAll(async () => {
  await sftpServer?.close();
  await ftpsServer?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

describe.each(["sftp", "ftps"] as const)("response pickup from the sandbox payer over %s", (protocol) => {
  let payer: Payer;
  let outbound: string;
  beforeAll(() => {
    payer = payers[protocol];
    outbound = path.join(payer.root, "outbound");
  });
  afterEach(async () => {
    await rm(outbound, { recursive: true, force: true });
    await rm(stagingRoot, { recursive: true, force: true });
  });

  /** A response file as the payer leaves it, with its modification time `ageSeconds` ago. */
  async function place(name: string, content: Buffer | string, ageSeconds = 60): Promise<Buffer> {
    await mkdir(outbound, { recursive: true });
    const file = path.join(outbound, name);
    await writeFile(file, content);
    const when = new Date(Math.floor(Date.now() / 1000) * 1000 - ageSeconds * 1000);
    await utimes(file, when, when);
    return Buffer.from(content);
  }

  const location = (overrides: Partial<ResponseLocation> = {}): ResponseLocation => ({
    remoteDir: "/outbound",
    pattern: null,
    afterPickup: "leave",
    moveDir: null,
    ...overrides,
  });

  function pickupRequest(overrides: Partial<PickupRequest> = {}): PickupRequest {
    return {
      destination: payer.destination,
      target: payer.target,
      credentials: payer.credentials,
      location: location(),
      known: [],
      stagingRoot,
      stagingPrefix: PREFIX,
      maxFiles: 50,
      maxFileBytes: 1024 * 1024,
      transcript: new Transcript(),
      ...overrides,
    };
  }

  function settleRequest(names: string[], where: Partial<ResponseLocation>, overrides: Partial<SettleRequest> = {}): SettleRequest {
    return { destination: payer.destination, target: payer.target, credentials: payer.credentials, location: location(where), names, transcript: new Transcript(), ...overrides };
  }

  async function stagedFilesOnDisk(): Promise<string[]> {
    const dir = path.join(stagingRoot, PREFIX);
    return existsSync(dir) ? (await readdir(dir)).sort() : [];
  }

  async function failure(promise: Promise<unknown>): Promise<TransferError> {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    return error as TransferError;
  }

  it("fetches matching regular files oldest first up to maxFiles, streams them into the staging store with their SHA-256, and reports files too large", async () => {
    await place("z-oldest.999", await readFile(path.join(FIXTURES, "999-accepted.x12")), 500);
    await place("a-newer.TA1", await readFile(path.join(FIXTURES, "ta1-accepted.x12")), 400);
    await place("m-newest.277", await readFile(path.join(FIXTURES, "277ca-mixed.x12")), 300);
    await place("readme.txt", "not a response", 900);
    await place(".hidden.999", "ISA*dot file", 900);
    await place("upload.999.part", "ISA*half", 900);
    await place("writing.999.filepart", "ISA*half", 900);
    await place("huge.999", Buffer.alloc(5000, 0x41), 1000);
    await mkdir(path.join(outbound, "folder.999"));
    const transcript = new Transcript();

    const result = await pickupInThisThread(
      pickupRequest({ location: location({ pattern: "\\.(999|TA1|277)$" }), maxFiles: 2, maxFileBytes: 4096, transcript }),
    );

    expect(result.listed).toBe(9);
    // The pattern admits z-oldest, a-newer, m-newest and huge: hidden, temp names and the folder are never candidates.
    expect(result.matched).toBe(4);
    expect(result.skippedKnown).toBe(0);
    expect(result.tooLarge).toEqual([{ name: "huge.999", size: 5000 }]);
    // Oldest first when the server gives times; by name when it does not (FTPS without MLSD).
    const datesKnown = payer.protocol === "sftp" || transcript.lines.some((line) => line.direction === ">" && line.message.startsWith("MLSD"));
    expect(result.downloaded.map((f) => f.remoteName)).toEqual(datesKnown ? ["z-oldest.999", "a-newer.TA1"] : ["a-newer.TA1", "m-newest.277"]);
    for (const file of result.downloaded) {
      const onServer = await readFile(path.join(outbound, file.remoteName));
      expect(await expectSealedOnDisk(path.join(stagingRoot, file.stagingKey), onServer)).toBe(true);
      const staged = await plaintextOf(path.join(stagingRoot, file.stagingKey), file.fileKey);
      expect(staged.equals(onServer)).toBe(true);
      expect(file.sha256).toBe(sha256(onServer));
      expect(file.size).toBe(onServer.length);
      expect(file.stagingKey).toMatch(new RegExp(`^${PREFIX}/[0-9a-f-]{36}$`));
      expect((await stat(path.join(stagingRoot, file.stagingKey))).mode & 0o777).toBe(0o600);
      const mtime = (await stat(path.join(outbound, file.remoteName))).mtime.toISOString();
      expect(file.modifiedAt).toBe(datesKnown ? mtime : "");
    }
    expect((await stat(path.join(stagingRoot, PREFIX))).mode & 0o777).toBe(0o700);
    expect((await stagedFilesOnDisk()).some((name) => name.endsWith(".part"))).toBe(false);
    expect(await stagedFilesOnDisk()).toHaveLength(2);
    // Picking up never changes the payer's folder.
    expect((await readdir(outbound)).sort()).toContain("z-oldest.999");

    const text = transcript.toText();
    expect(text).toMatch(/9 entries listed; 4 response files matching .*; 0 already picked up; 1 too large to fetch \(huge\.999: 5000 bytes\); fetching 2/);
    expect(text).toMatch(/ownloaded "?(\/outbound\/)?a-newer\.TA1"?: \d+ bytes/);
    expect(text).not.toContain(payer.credentials.password!);
  });

  it("fetches a file once: the same name, size and time in the known list is skipped, a rewritten file is fetched again", async () => {
    await place("one.999", "ISA*first", 300);
    await place("two.999", "ISA*second", 200);
    const first = await pickupInThisThread(pickupRequest());
    expect(first.downloaded.map((f) => f.remoteName).sort()).toEqual(["one.999", "two.999"]);
    const known = first.downloaded.map(({ remoteName, size, modifiedAt }) => ({ name: remoteName, size, modifiedAt }));

    const second = await pickupInThisThread(pickupRequest({ known }));
    expect(second).toMatchObject({ matched: 2, skippedKnown: 2, downloaded: [], tooLarge: [] });

    await place("two.999", "ISA*second, corrected by the payer", 100);
    const third = await pickupInThisThread(pickupRequest({ known }));
    expect(third.downloaded.map((f) => f.remoteName)).toEqual(["two.999"]);
    expect(third.skippedKnown).toBe(1);
    expect((await plaintextOf(path.join(stagingRoot, third.downloaded[0].stagingKey), third.downloaded[0].fileKey)).toString("utf8")).toBe("ISA*second, corrected by the payer");
  });

  it("leaves a file that grows while it is read for the next poll, with no .part left behind", async () => {
    await place("growing.999", "ISA*part one;", 100);
    // Between the listing and the read, as a payer still writing the file would (synchronously, so it surely lands first).
    const transcript = new Transcript({
      onLine: (line) => {
        if (line.message.includes("entries listed;")) appendFileSync(path.join(outbound, "growing.999"), "part two;".repeat(1000));
      },
    });
    const result = await pickupInThisThread(pickupRequest({ transcript }));
    expect(result.downloaded).toEqual([]);
    expect(transcript.toText()).toMatch(/grew while it was read .* left for the next poll/);
    expect(await stagedFilesOnDisk()).toEqual([]);

    const next = await pickupInThisThread(pickupRequest());
    expect(next.downloaded.map((f) => [f.remoteName, f.size])).toEqual([["growing.999", 13 + 9000]]);
  });

  it("streams a multi-megabyte file through in chunks with the right SHA-256", async () => {
    const content = randomBytes(6 * 1024 * 1024 + 123);
    await place("remittance.835", content);
    const result = await pickupInThisThread(pickupRequest({ maxFileBytes: 10 * 1024 * 1024 }));
    expect(result.downloaded).toHaveLength(1);
    expect(result.downloaded[0]).toMatchObject({ remoteName: "remittance.835", size: content.length, sha256: sha256(content) });
    expect(sha256(await plaintextOf(path.join(stagingRoot, result.downloaded[0].stagingKey), result.downloaded[0].fileKey))).toBe(sha256(content));
  });

  it.runIf(protocol === "ftps")("fails with REMOTE_PERMISSION when the payer refuses RETR, and stages nothing", async () => {
    await place("locked.999", "ISA*no reading");
    ftpsServer.setFaults({ writeOnly: true });
    try {
      const error = await failure(pickupInThisThread(pickupRequest()));
      expect(error.code).toBe("REMOTE_PERMISSION");
      expect(await stagedFilesOnDisk()).toEqual([]);
    } finally {
      ftpsServer.setFaults({});
    }
  });

  it("removes the files it already fetched when the pickup fails part-way, so nothing unrecorded stays in staging", async () => {
    await place("first.999", "ISA*1", 300);
    await place("second.999", "ISA*2", 200);
    await place("third.999", "ISA*3", 100);
    const controller = new AbortController();
    const transcript = new Transcript({
      onLine: (line) => {
        if (/ownloaded .*first\.999/.test(line.message)) controller.abort();
      },
    });
    const error = await failure(pickupInThisThread(pickupRequest({ transcript, signal: controller.signal })));
    expect(error.code).toBe("CONNECTION_LOST");
    expect(await stagedFilesOnDisk()).toEqual([]);
    expect((await readdir(outbound)).sort()).toEqual(["first.999", "second.999", "third.999"]);
  });

  it("fails like a delivery when the outbound folder is missing, and stages nothing", async () => {
    const error = await failure(pickupInThisThread(pickupRequest({ location: location({ remoteDir: "/no-such-outbox" }) })));
    expect(error.code).toBe("REMOTE_DIR_NOT_FOUND");
    expect(await stagedFilesOnDisk()).toEqual([]);
  });

  it("settles with delete: recorded files are removed on the server, a file already gone is 'missing'", async () => {
    await place("done-1.999", "ISA*1");
    await place("done-2.TA1", "ISA*2");
    await place("untouched.277", "ISA*3");
    const result = await settleInThisThread(settleRequest(["done-1.999", "done-2.TA1", "gone.999"], { afterPickup: "delete" }));
    expect(result.settled).toEqual([
      { name: "done-1.999", outcome: "deleted" },
      { name: "done-2.TA1", outcome: "deleted" },
      { name: "gone.999", outcome: "missing" },
    ]);
    expect(await readdir(outbound)).toEqual(["untouched.277"]);
  });

  it("settles with move: the archive folder is created on first use, and a name already archived gets a time suffix", async () => {
    await place("ack-1.999", "ISA*new one");
    await place("ack-2.999", "ISA*two");
    const archive = path.join(outbound, "archive");
    const first = await settleInThisThread(settleRequest(["ack-1.999"], { afterPickup: "move", moveDir: "archive" }));
    expect(first.settled).toEqual([{ name: "ack-1.999", outcome: "moved" }]);
    expect(await readdir(archive)).toEqual(["ack-1.999"]);

    await place("ack-1.999", "ISA*the payer sent the same name again");
    const second = await settleInThisThread(settleRequest(["ack-1.999", "ack-2.999", "never-there.999"], { afterPickup: "move", moveDir: "/outbound/archive" }));
    expect(second.settled).toEqual([
      { name: "ack-1.999", outcome: "moved" },
      { name: "ack-2.999", outcome: "moved" },
      { name: "never-there.999", outcome: "missing" },
    ]);
    const archived = (await readdir(archive)).sort();
    expect(archived).toHaveLength(3);
    expect(archived).toContain("ack-2.999");
    const suffixed = archived.find((name) => /^ack-1\.999\.\d{8}T\d{9}Z$/.test(name));
    expect(suffixed).toBeTruthy();
    expect(await readFile(path.join(archive, "ack-1.999"), "utf8")).toBe("ISA*new one");
    expect(await readFile(path.join(archive, suffixed!), "utf8")).toBe("ISA*the payer sent the same name again");
    expect((await readdir(outbound)).sort()).toEqual(["archive"]);
  });

  it("reports per file what it could not settle and carries on; a name with a path is refused", async () => {
    await place("fine.999", "ISA*ok");
    const result = await settleInThisThread(settleRequest(["../escape.999", "fine.999"], { afterPickup: "delete" }));
    expect(result.settled[0]).toMatchObject({ name: "../escape.999", outcome: "left", error: { code: "UNKNOWN" } });
    expect(result.settled[1]).toEqual({ name: "fine.999", outcome: "deleted" });
  });

  it("settles with leave without connecting at all", async () => {
    const closed: ValidatedTarget = { ...payer.target, port: 9 };
    const result = await settleInThisThread(settleRequest(["a.999", "b.999"], { afterPickup: "leave" }, { target: closed }));
    expect(result.settled).toEqual([
      { name: "a.999", outcome: "left" },
      { name: "b.999", outcome: "left" },
    ]);
  });

  it("runs in a protocol worker thread: files fetched and read (X12) there, transcript streamed back, then settled", async () => {
    await place("S123-20261202-101010P.999", await readFile(path.join(FIXTURES, "999-rejected.x12")), 200);
    await place("S123-20261202-101010P.TA1", await readFile(path.join(FIXTURES, "ta1-accepted.x12")), 100);
    const transcript = new Transcript();
    const result = await pickupResponsesOffThread(pickupRequest({ transcript, location: location({ pattern: "^S123-" }) }));

    expect(result.downloaded.map((f) => [f.remoteName, f.parsed.kind])).toEqual([
      ["S123-20261202-101010P.999", "999"],
      ["S123-20261202-101010P.TA1", "TA1"],
    ]);
    for (const file of result.downloaded) expect(file.sha256).toBe(sha256(await plaintextOf(path.join(stagingRoot, file.stagingKey), file.fileKey)));
    expect(transcript.lines.some((line) => line.message.includes("entries listed;"))).toBe(true);
    expect(transcript.toText()).not.toContain(payer.credentials.password!);

    const settleTranscript = new Transcript();
    const settled = await settleResponsesOffThread(settleRequest(result.downloaded.map((f) => f.remoteName), { afterPickup: "delete" }, { transcript: settleTranscript }));
    expect(settled.settled.map((s) => s.outcome)).toEqual(["deleted", "deleted"]);
    expect(await readdir(outbound)).toEqual([]);
    expect(settleTranscript.lines.length).toBeGreaterThan(0);
  });
});
