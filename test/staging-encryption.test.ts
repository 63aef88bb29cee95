/**
 * Issue #21, point 5: claim files and payer answers are encrypted at rest, end to end with the real
 * parts — the tus upload route and the API route, the relay's workers and protocol threads, the
 * sandbox SFTP payer and its answers, the response pickup and download, the vault's rotation and
 * the retention, "don't send" and cancel paths. Only the session cookie's decoding is stood in for
 * (which session row the browser's cookie names).
 *
 * The proof of "encrypted" is a raw scan: every file under DATA_DIR/staging (tus info files, `.part`
 * files, everything) is read byte for byte and searched for 64-byte windows of the plaintext.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { getDb } from "@/db/client";
import { destinations, responseFiles, secrets, transfers } from "@/db/schema";
import { createApiToken } from "@/lib/api/tokens";
import { transferSchema } from "@/lib/api/schemas";
import { systemActor } from "@/lib/auth/actor";
import { replaceRuntimeParts, runtimeCell } from "@/lib/runtime";
import { pollResponsesOfAccount } from "@/lib/responses/poll";
import { openResponseFileContent } from "@/lib/responses/service";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { buildSample837 } from "@/lib/sandbox/sample-837";
import { INFO_BYTES, NONCE_BYTES, SealedFileError, SEGMENT_BYTES } from "@/lib/sealed-files/format";
import { plaintextSha256 } from "@/lib/sealed-files/reader";
import { scanSealedFile } from "@/lib/sealed-files/scan";
import { newFileKey } from "@/lib/sealed-files/writer";
import { confirmDuplicate } from "@/lib/transfers/intake/accept";
import { relayQueue } from "@/lib/transfers/queue/queue";
import type { RelayRuntime } from "@/lib/transfers/queue/runtime";
import { discardStagedFile } from "@/lib/transfers/staging/discard";
import { loadFileKey } from "@/lib/transfers/staging/file-keys";
import { sha256OfStagedFile, stagingPath, stagingRoot } from "@/lib/transfers/staging/files";
import { removeExpiredStagedFiles } from "@/lib/transfers/staging/retention";
import { createNewMasterKey, retireMasterKey } from "@/lib/vault";
import { rewrapAndAudit } from "@/lib/vault/rewrap";
import { currentKeyring } from "@/lib/vault/runtime";
import { revealSecretBytes } from "@/lib/vault/secret-store";
import { POST as apiUploadRoute } from "@/app/api/v1/transfers/route";
import * as tusRoute from "@/app/api/uploads/[[...tus]]/route";
import { withTestDatabase } from "@/test/support/db";
import { actorFor, createUser } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import {
  bodyStream,
  filesUnder,
  findWindows,
  GeneratedClaimFile,
  randomX12ish,
  sha256OfFile,
  sliceSource,
  windowsOf,
  type PlaintextWindow,
} from "@/test/support/plaintext-scan";
import {
  createRelayDestination,
  eventually,
  fastRelayConfig,
  loadAttempts,
  loadTransfer,
  remoteFiles,
  rsaHostKeyPem,
  sha256,
  startTestRelay,
  upstreamKeyPair,
  UPSTREAM_PASSWORD,
  UPSTREAM_USER,
  waitForStatus,
} from "@/test/support/queue";

// The browser's session cookie, as Auth.js would decode it: which session row it names.
const cookie = vi.hoisted(() => ({ sessionId: null as string | null }));
vi.mock("@/lib/auth/auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/auth/auth")>()),
  auth: async () => (cookie.sessionId ? { sessionId: cookie.sessionId, user: {} } : null),
}));
vi.mock("next/headers", async () => ({
  headers: async () => new Headers({ "x-portal-client-ip": "203.0.113.21" }),
  cookies: async () => ({ get: () => undefined, getAll: () => [] }),
}));

// Key-file mode (no PORTAL_MASTER_KEY), as `npm run vault:rotate` rotates by default: new key files in DATA_DIR.
const { dataDir } = useTemporaryPortalEnv({ PORTAL_MASTER_KEY: "" });
delete process.env.PORTAL_MASTER_KEY;
const database = withTestDatabase();

const KiB = 1024;
const MiB = 1024 * KiB;
const FINAL = ["delivered", "needs_attention", "failed"];

let keys: Awaited<ReturnType<typeof upstreamKeyPair>>;
let hostKeyPem: string;
let relay: RelayRuntime;

beforeAll(async () => {
  keys = await upstreamKeyPair();
  hostKeyPem = rsaHostKeyPem();
  relay = await startTestRelay(database.handle(), fastRelayConfig({ attemptTimeoutSeconds: 120 }));
});
afterAll(async () => {
  await relay?.stop({ graceMs: 2000 });
});

/* ------------------------------------------------------------------ a payer, its account, a partner */

interface Payer {
  server: SandboxSftpServer;
  root: string;
  incoming: string;
  outbound: string;
  organisationId: string;
  accountId: string;
  destinationId: string;
  submitterId: string;
  sessionId: string;
  actor: Awaited<ReturnType<typeof actorFor>>;
  token: string;
}

/**
 * A sandbox SFTP payer of the test's own (its own directory, removed when the test ends), an
 * organisation with an account there (password and key in the vault), and a partner of that
 * organisation signed in (session for the browser, API token for the API).
 */
async function openPayer(options: { strategy?: "temp_then_rename" | "direct"; maxFileBytes?: number; responses?: boolean } = {}): Promise<Payer> {
  const root = path.join(dataDir, "payers", crypto.randomUUID());
  const server = await startSandboxSftpServer({
    rootDir: root,
    hostKeys: [hostKeyPem],
    responseDelayMs: 50,
    users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }],
  });
  onTestFinished(async () => {
    await server.close();
    await fs.promises.rm(root, { recursive: true, force: true });
  });
  const target = await createRelayDestination({ port: server.port, hostKeyFingerprint: server.hostKeyFingerprint, keys });
  const db = await getDb();
  await db
    .update(destinations)
    .set({
      uploadStrategy: options.strategy ?? "temp_then_rename",
      maxFileBytes: options.maxFileBytes ?? 64 * MiB,
      ...(options.responses ? { responseDir: "/outbound", responseAfterPickup: "leave" as const } : {}),
    })
    .where(eq(destinations.id, target.destinationId));
  const organisation = await db.query.organisations.findFirst({ where: (o, { eq: is }) => is(o.id, target.organisationId) });
  const user = await createUser({ role: "partner", organisationId: target.organisationId, isOrgAdmin: true });
  const actor = await actorFor(user.id);
  const { token } = await createApiToken(actor, { name: "encryption test" });
  return {
    server,
    root,
    incoming: path.join(root, "incoming"),
    outbound: path.join(root, "outbound"),
    ...target,
    submitterId: organisation!.submitterId,
    sessionId: actor.sessionId!,
    actor,
    token,
  };
}

const claimName = (payer: Payer, mode: "P" | "T" = "P") => `S${payer.submitterId}-${crypto.randomInt(1e9).toString().padStart(9, "0")}${mode}.TXT`;

/* ------------------------------------------------------------------ the two upload channels */

/** POST /api/v1/transfers, the body streamed in 64 KiB chunks from `content`. */
async function apiUpload(payer: Payer, content: Buffer, options: { name?: string; mode?: "test" | "production" } = {}) {
  cookie.sessionId = null;
  const body = bodyStream(sliceSource(content, 0));
  const response = await apiUploadRoute(
    new Request("http://portal.test/api/v1/transfers", {
      method: "POST",
      headers: {
        authorization: `Bearer ${payer.token}`,
        "content-type": "application/octet-stream",
        "x-account-id": payer.accountId,
        "x-filename": options.name ?? claimName(payer),
        "x-transfer-mode": options.mode ?? "production",
        "x-portal-client-ip": "198.51.100.21",
      },
      body: body.stream,
      duplex: "half",
    } as RequestInit),
  );
  const json: unknown = await response.json();
  expect(response.status, JSON.stringify(json)).toBe(202);
  return transferSchema.parse(json);
}

const TUS = "http://portal.test/api/uploads";
const tusHeaders = { "tus-resumable": "1.0.0" };
const b64 = (value: string) => Buffer.from(value).toString("base64");

function tusRequest(payer: Payer, method: string, url: string, headers: Record<string, string>, body?: ReadableStream<Uint8Array>) {
  cookie.sessionId = payer.sessionId;
  return new NextRequest(url, { method, headers: { ...tusHeaders, ...headers }, ...(body ? { body, duplex: "half" } : {}) } as ConstructorParameters<typeof NextRequest>[1]);
}

async function tusCreate(payer: Payer, size: number, name = claimName(payer)): Promise<string> {
  const response = await tusRoute.POST(
    tusRequest(payer, "POST", TUS, { "upload-length": String(size), "upload-metadata": `filename ${b64(name)},accountId ${b64(payer.accountId)},mode ${b64("production")}` }),
  );
  expect(response.status, await response.clone().text()).toBe(201);
  return response.headers.get("location")!.split("/").pop()!;
}

/** One PATCH from `offset`; a body that errors part-way (a dropped connection) may make the handler throw. */
async function tusPatch(payer: Payer, id: string, offset: number, body: ReadableStream<Uint8Array>): Promise<Response> {
  return tusRoute.PATCH(tusRequest(payer, "PATCH", `${TUS}/${id}`, { "upload-offset": String(offset), "content-type": "application/offset+octet-stream" }, body));
}

/** HEAD: the offset the server holds, as a resuming client asks for it. */
async function tusOffset(payer: Payer, id: string): Promise<number> {
  const response = await tusRoute.HEAD(tusRequest(payer, "HEAD", `${TUS}/${id}`, {}));
  expect(response.status).toBe(200);
  return Number(response.headers.get("upload-offset"));
}

/** The PATCH that completes an upload answers with the transfer and what became of it. */
async function finishedUpload(response: Response): Promise<{ transferId: string; outcome: string }> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as { transferId: string; outcome: string };
}

/** Sends `content` from `from` to `to` in one PATCH, which must be accepted. */
async function patchRange(payer: Payer, id: string, content: Buffer, from: number, to: number): Promise<Response> {
  const response = await tusPatch(payer, id, from, bodyStream(sliceSource(content, from, to)).stream);
  expect(response.status).toBeLessThan(300);
  expect(Number(response.headers.get("upload-offset") ?? to)).toBe(to);
  return response;
}

/* ------------------------------------------------------------------ looking at the disk */

async function stagingScan(windows: PlaintextWindow[]): Promise<{ files: string[]; found: string[] }> {
  const files = filesUnder(stagingRoot());
  return { files, found: await findWindows(files, windows) };
}

/** The staged_file key rows of a staging key (`YYYY-MM/<uuid>`, `tus/<uuid>`, `responses/…/<uuid>`). */
async function keyRowsOf(stagingKey: string) {
  const db = await getDb();
  return db
    .select()
    .from(secrets)
    .where(and(eq(secrets.ownerKind, "staged_file"), eq(secrets.ownerId, stagingKey.split("/").pop()!)));
}

/** A copy of a staged file's raw bytes (and its tus info file), as a disk image or backup would hold them. */
async function recoverRawCopy(stagingKey: string): Promise<string> {
  const dir = path.join(dataDir, "recovered", crypto.randomUUID());
  await fs.promises.mkdir(dir, { recursive: true });
  onTestFinished(() => fs.promises.rm(dir, { recursive: true, force: true }));
  const copy = path.join(dir, "bytes");
  await fs.promises.copyFile(stagingPath(stagingKey), copy);
  if (fs.existsSync(`${stagingPath(stagingKey)}.json`)) await fs.promises.copyFile(`${stagingPath(stagingKey)}.json`, `${copy}.json`);
  return copy;
}

/** SHA-256 of everything `key` decrypts from `file` (an unfinished upload: the complete segments). */
const decryptAll = (file: string, key: Buffer | null, unfinished = false) => plaintextSha256(file, key, { unfinished });

/**
 * Crypto-shredding held: the file's key row is gone, and the recovered copy opens with nothing —
 * not without a key (key_missing), not with the key of any other staged file the vault still
 * holds, not with a fresh key (damaged: the first segment fails its tag).
 */
async function expectUndecryptable(stagingKey: string, copy: string, unfinished = false): Promise<void> {
  expect(await keyRowsOf(stagingKey)).toEqual([]);
  expect(await loadFileKey(stagingKey)).toBeNull();
  await expect(decryptAll(copy, null, unfinished)).rejects.toMatchObject({ name: "SealedFileError", problem: "key_missing" });
  const db = await getDb();
  const others = await db.select().from(secrets).where(eq(secrets.ownerKind, "staged_file"));
  const candidates = [newFileKey()];
  for (const row of others) candidates.push((await revealSecretBytes({ kind: "staged_file", id: row.ownerId }, "file_key"))!);
  for (const key of candidates) {
    const attempt = decryptAll(copy, key, unfinished);
    await expect(attempt).rejects.toBeInstanceOf(SealedFileError);
    await expect(attempt).rejects.toMatchObject({ problem: "damaged" });
  }
}

async function transferOfUpload(uploadId: string) {
  const [row] = await (await getDb()).select().from(transfers).where(eq(transfers.uploadId, uploadId));
  return row;
}

/** Runs `work` with the relay queue replaced by one that only records: what it stages stays queued, unsent. */
async function withRelayHeld<T>(work: () => Promise<T>): Promise<{ result: T; held: string[] }> {
  const held: string[] = [];
  const restore = replaceRuntimeParts({ relayQueue: { enqueue: async (id: string) => void held.push(id) } });
  try {
    return { result: await work(), held };
  } finally {
    restore();
  }
}

/* ------------------------------------------------------------------ a) uploads */

describe("staged uploads are sealed on disk (browser and API), and the payer gets the exact bytes", () => {
  it("a browser upload cut mid-request and resumed, and an API upload: no 64-byte window of either on disk; the payer's copies have the plaintext's SHA-256", async () => {
    const payer = await openPayer();
    const browserPlain = randomX12ish(payer.submitterId, 3 * MiB + 77_777);
    const apiPlain = randomX12ish(payer.submitterId, 2 * MiB + 12_345);

    // The browser: a first PATCH ending at an odd offset, then one whose connection drops part-way,
    // once three of its segments are on disk (a real client's bytes trickle in: what the server has
    // sealed by then is stored) and a fourth is half-filled.
    const id = await tusCreate(payer, browserPlain.length);
    const file = stagingPath(`tus/${id}`);
    const first = 777_777;
    await patchRange(payer, id, browserPlain, 0, first);
    const sizeAfterFirst = fs.statSync(file).size;
    const cutAfter = 3 * SEGMENT_BYTES + 213_571;
    const dropped = bodyStream(sliceSource(browserPlain, first), {
      cutAfter,
      beforeCut: () => eventually(() => fs.statSync(file).size >= sizeAfterFirst + 3 * SEGMENT_BYTES, "three segments of the cut request on disk"),
    });
    const cutAnswer = await tusPatch(payer, id, first, dropped.stream).catch((error: unknown) => error);
    expect(dropped.state.delivered).toBe(cutAfter);
    if (cutAnswer instanceof Response) expect(cutAnswer.status).toBeGreaterThanOrEqual(400);
    const cutAt = first + cutAfter;

    // The client asks where to resume: the server counts the segments it stored whole, not the one
    // it was filling when the connection dropped.
    const resumeAt = await tusOffset(payer, id);
    expect(resumeAt).toBe(first + 3 * SEGMENT_BYTES);
    expect(resumeAt % 2).toBe(1);
    const partial = await stagingScan(windowsOf("browser upload so far", browserPlain.subarray(0, resumeAt), { "first request's end": first - 65 }));
    expect(partial.files).toEqual(expect.arrayContaining([stagingPath(`tus/${id}`), `${stagingPath(`tus/${id}`)}.json`]));
    expect(partial.found).toEqual([]);

    // Resumed from the reported offset, in two more requests.
    const middle = resumeAt + Math.floor((browserPlain.length - resumeAt) / 2) + 1;
    await patchRange(payer, id, browserPlain, resumeAt, middle);
    const browser = await finishedUpload(await patchRange(payer, id, browserPlain, middle, browserPlain.length));
    expect(browser.outcome).toBe("queued");

    const api = await apiUpload(payer, apiPlain);
    expect(api).toMatchObject({ size: apiPlain.length, sha256: sha256(apiPlain) });

    // Every file under staging, byte for byte: the sealed uploads, the tus info file, anything else.
    const browserRow = await loadTransfer(browser.transferId);
    const apiRow = await loadTransfer(api.id);
    const windows = [
      ...windowsOf("browser upload", browserPlain, { "first request's end": first - 65, "the cut": cutAt - 32, "the resume point": resumeAt, "the last request's start": middle }),
      ...windowsOf("API upload", apiPlain),
    ];
    const scan = await stagingScan(windows);
    expect(scan.files).toEqual(expect.arrayContaining([stagingPath(browserRow.stagingKey!), `${stagingPath(browserRow.stagingKey!)}.json`, stagingPath(apiRow.stagingKey!)]));
    for (const file of [stagingPath(browserRow.stagingKey!), stagingPath(apiRow.stagingKey!)]) {
      expect(fs.readFileSync(file).subarray(0, 7).toString("latin1")).toBe("EDISEAL");
    }
    expect(scan.found).toEqual([]);
    // The scan itself finds plaintext where there is some: the same files in the clear, outside staging.
    const clear = path.join(dataDir, "recovered", `clear-${crypto.randomUUID()}`);
    fs.mkdirSync(path.dirname(clear), { recursive: true });
    fs.writeFileSync(clear, Buffer.concat([browserPlain, apiPlain]));
    onTestFinished(() => fs.rmSync(clear, { force: true }));
    expect(await findWindows([clear], windows)).toHaveLength(windows.length);

    // Relayed by the workers; upstream, the exact plaintext (the resumed upload included).
    const [browserDone, apiDone] = await Promise.all([waitForStatus(browser.transferId, FINAL), waitForStatus(api.id, FINAL)]);
    expect(browserDone).toMatchObject({ status: "delivered", sha256: sha256(browserPlain), sizeBytes: browserPlain.length });
    expect(apiDone).toMatchObject({ status: "delivered", sha256: sha256(apiPlain), sizeBytes: apiPlain.length });
    expect(await sha256OfFile(path.join(payer.incoming, browserDone.remoteName))).toBe(sha256(browserPlain));
    expect(await sha256OfFile(path.join(payer.incoming, apiDone.remoteName))).toBe(sha256(apiPlain));
  });
});

/* ------------------------------------------------------------------ b) payer answers */

describe("payer answers are sealed on disk once picked up", () => {
  it("the sandbox payer's TA1, 999 and 277CA: none of their plaintext under staging; the download returns each exactly", async () => {
    const payer = await openPayer({ responses: true });
    const submission = Buffer.from(
      buildSample837({ submitterId: payer.submitterId, receiverId: "SANDBOXPAYER", interchangeControlNumber: crypto.randomInt(1, 999_999_999), claims: [{ patientControlNumber: "ENC-OK-1", charge: "150.00" }], lineBreak: "\n" }),
    );
    const name = claimName(payer, "T");
    const sent = await apiUpload(payer, submission, { name, mode: "test" });
    expect((await waitForStatus(sent.id, FINAL)).status).toBe("delivered");
    const base = name.replace(/\.TXT$/, "");
    const answers = [`${base}.TA1`, `${base}.999`, `${base}.277`];
    await eventually(() => answers.every((answer) => fs.existsSync(path.join(payer.outbound, answer))), "the sandbox payer's answers");

    // Picked up (by this poll or the relay's scheduled one), each staged under its own key.
    const db = await getDb();
    const picked = await eventually(async () => {
      await pollResponsesOfAccount(systemActor("relay-worker"), payer.accountId);
      const rows = await db.select().from(responseFiles).where(eq(responseFiles.partnerAccountId, payer.accountId));
      return rows.length === answers.length ? rows : undefined;
    }, "the pickup to record the three answers");
    expect(picked.map((row) => row.remoteName).sort()).toEqual([...answers].sort());

    // The payer's own copies (left on its server after pickup) are the plaintext.
    const plaintexts = new Map(picked.map((row) => [row.id, fs.readFileSync(path.join(payer.outbound, row.remoteName))]));
    const windows: PlaintextWindow[] = [];
    for (const row of picked) {
      const plain = plaintexts.get(row.id)!;
      expect(plain.length).toBeGreaterThan(64);
      expect(row.sha256).toBe(sha256(plain));
      windows.push(...windowsOf(row.remoteName, plain));
      expect(fs.readFileSync(stagingPath(row.stagingKey!)).subarray(0, 7).toString("latin1")).toBe("EDISEAL");
      expect(await keyRowsOf(row.stagingKey!)).toHaveLength(1);
    }
    const scan = await stagingScan(windows);
    expect(scan.files).toEqual(expect.arrayContaining(picked.map((row) => stagingPath(row.stagingKey!))));
    expect(scan.found).toEqual([]);

    // The partner's download decrypts them back, byte for byte.
    for (const row of picked) {
      const download = await openResponseFileContent(payer.actor, row.id);
      const chunks: Buffer[] = [];
      for await (const chunk of download.stream) chunks.push(chunk as Buffer);
      const plain = plaintexts.get(row.id)!;
      expect(download).toMatchObject({ name: row.remoteName, size: plain.length });
      expect(Buffer.compare(Buffer.concat(chunks), plain)).toBe(0);
    }
  });
});

/* ------------------------------------------------------------------ c) tampering */

describe("a flipped bit in a staged file stops its delivery", () => {
  it.each(["temp_then_rename", "direct"] as const)("upload strategy %s: needs_attention with STAGED_FILE_DAMAGED, nothing under the final name", async (strategy) => {
    const payer = await openPayer({ strategy });
    const plain = randomX12ish(payer.submitterId, 5 * SEGMENT_BYTES + 4321);
    // Staged and queued, held back from the relay while the disk is tampered with.
    const { result: staged, held } = await withRelayHeld(() => apiUpload(payer, plain));
    expect(held).toEqual([staged.id]);
    const row = await loadTransfer(staged.id);
    const file = stagingPath(row.stagingKey!);

    // One bit in the ciphertext of the third segment.
    const handle = await fs.promises.open(file, "r+");
    let thirdSegmentStarts: number;
    try {
      const layout = await scanSealedFile(handle);
      expect(layout.finished).toBe(true);
      expect(layout.recordOffsets.length).toBeGreaterThanOrEqual(4);
      thirdSegmentStarts = layout.plainOffsets[2];
      const at = layout.recordOffsets[2] + INFO_BYTES + NONCE_BYTES + 1000;
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, at);
      byte[0] ^= 0x10;
      await handle.write(byte, 0, 1, at);
    } finally {
      await handle.close();
    }

    await relayQueue().enqueue(staged.id);
    const done = await waitForStatus(staged.id, FINAL);
    expect(done).toMatchObject({ status: "needs_attention", lastErrorCode: "STAGED_FILE_DAMAGED", attemptCount: 1 });
    expect(done.lastErrorMessage).toMatch(/failed its integrity check at segment 3/);
    expect(done.lastErrorMessage).toMatch(/Nothing altered is sent/);
    expect(await loadAttempts(staged.id)).toHaveLength(1);

    // Nothing on the payer's server: a direct upload checks every segment before the first byte
    // goes; through a temporary name, the sound bytes sent before the bad segment are removed.
    expect(fs.existsSync(path.join(payer.incoming, done.remoteName))).toBe(false);
    expect(remoteFiles(payer.root)).toEqual([]);
    expect(thirdSegmentStarts).toBeGreaterThan(0);
  });
});

/* ------------------------------------------------------------------ d) rotation */

describe("master-key rotation while uploads and relays go on", () => {
  it("a 200 MiB browser upload spanning `vault:rotate` (new key, re-wrap, old key retired, a fresh upload server) is accepted with its SHA-256; relays at the same time deliver", async () => {
    const payer = await openPayer({ maxFileBytes: 256 * MiB });
    const size = 200 * MiB + 13;
    const big = new GeneratedClaimFile({ seed: crypto.randomUUID(), size, submitterId: payer.submitterId, windowsAt: { "before the rotation": 60 * MiB + 7, middle: 100 * MiB + 100, "after the rotation": 150 * MiB + 101 } });
    const id = await tusCreate(payer, size);
    // 200 MiB is not kept for the rest of the file's tests (a scan would read it again).
    onTestFinished(async () => void (await discardStagedFile(`tus/${id}`)));
    const patch = async (bytes: number) => {
      const from = big.produced;
      const body = bodyStream((length) => big.next(length), { chunkBytes: 256 * KiB, limit: bytes });
      const response = await tusPatch(payer, id, from, body.stream);
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      expect(body.state.delivered).toBe(Math.min(bytes, size - from));
      return response;
    };

    // About half, in requests of odd lengths.
    for (const bytes of [25 * MiB + 1, 25 * MiB + 3, 25 * MiB + 5, 25 * MiB + 7]) await patch(bytes);
    expect(await tusOffset(payer, id)).toBe(big.produced);
    expect((await stagingScan(big.windowsSoFar())).found).toEqual([]);

    // Another file being relayed as the rotation happens, and one staged now but sent after it.
    const inFlightPlain = randomX12ish(payer.submitterId, 24 * MiB + 3);
    const inFlight = await apiUpload(payer, inFlightPlain);
    await eventually(async () => ["sending", ...FINAL].includes((await loadTransfer(inFlight.id)).status) || undefined, "the relay to start sending");
    const laterPlain = randomX12ish(payer.submitterId, MiB + 5);
    const { result: later } = await withRelayHeld(() => apiUpload(payer, laterPlain));

    // `npm run vault:rotate`: a new active master key, every secret re-wrapped (the file keys too), then `--retire-old`.
    const oldKeyId = currentKeyring().activeKeyId;
    const newKeyId = createNewMasterKey(dataDir);
    const rewrap = await rewrapAndAudit("vault:rotate runtime");
    expect(rewrap).toMatchObject({ remaining: 0, unreadable: [], activeKeyId: newKeyId });
    expect(rewrap.rewrapped).toBeGreaterThanOrEqual(3);
    for (const stagingKey of [`tus/${id}`, (await loadTransfer(inFlight.id)).stagingKey!, (await loadTransfer(later.id)).stagingKey!]) {
      expect((await keyRowsOf(stagingKey)).map((row) => row.masterKeyId)).toEqual([newKeyId]);
    }
    retireMasterKey(dataDir, oldKeyId);
    expect(currentKeyring({ forceReload: true }).keyIds()).toEqual([newKeyId]);
    await relayQueue().enqueue(later.id);

    // The same upload server goes on (each request loads the file key, now under the new master key)…
    await patch(30 * MiB + 9);
    // …and a fresh one (a restarted portal: no running hash, no layout in memory) resumes from the disk.
    replaceRuntimeParts({ tus: runtimeCell() });
    expect(await tusOffset(payer, id)).toBe(big.produced);
    await patch(40 * MiB + 1);
    const finished = await finishedUpload(await patch(size));
    expect(big.produced).toBe(size);
    expect(finished.outcome).toBe("queued");

    const expected = big.sha256();
    const row = await loadTransfer(finished.transferId);
    expect(row).toMatchObject({ sha256: expected, sizeBytes: size, stagingKey: `tus/${id}` });
    expect(await sha256OfStagedFile(`tus/${id}`)).toBe(expected);
    expect((await stagingScan(big.windows())).found).toEqual([]);

    // The relays around the rotation delivered, and so does the big file, all byte for byte.
    for (const [transferId, plainSha] of [
      [inFlight.id, sha256(inFlightPlain)],
      [later.id, sha256(laterPlain)],
      [finished.transferId, expected],
    ]) {
      const done = await waitForStatus(transferId, FINAL, 120_000);
      expect(done.status).toBe("delivered");
      expect(await sha256OfFile(path.join(payer.incoming, done.remoteName))).toBe(plainSha);
    }
  });
});

/* ------------------------------------------------------------------ e) crypto-shredding */

describe("removing a staged file destroys its key: a copy of its bytes cannot be read", () => {
  it("retention: a delivered browser upload past its grace period", async () => {
    const payer = await openPayer();
    const plain = randomX12ish(payer.submitterId, 600 * KiB + 11);
    const id = await tusCreate(payer, plain.length);
    const { transferId } = await finishedUpload(await patchRange(payer, id, plain, 0, plain.length));
    expect((await waitForStatus(transferId, FINAL)).status).toBe("delivered");
    const stagingKey = `tus/${id}`;

    const copy = await recoverRawCopy(stagingKey);
    expect(await decryptAll(copy, await loadFileKey(stagingKey))).toBe(sha256(plain));

    const db = await getDb();
    await db
      .update(transfers)
      .set({ deliveredAt: new Date(Date.now() - 2 * 24 * 3_600_000) })
      .where(eq(transfers.id, transferId));
    const removed = await removeExpiredStagedFiles(systemActor("retention"), { retentionDays: 14, deliveredGraceHours: 24 });
    expect(removed).toContainEqual(expect.objectContaining({ transferId, reason: "delivered", fileExisted: true }));
    expect((await loadTransfer(transferId)).stagingKey).toBeNull();
    expect(fs.existsSync(stagingPath(stagingKey))).toBe(false);
    expect(fs.existsSync(`${stagingPath(stagingKey)}.json`)).toBe(false);
    await expectUndecryptable(stagingKey, copy);
  });

  it('"don\'t send": a held duplicate the partner cancels', async () => {
    const payer = await openPayer();
    const plain = randomX12ish(payer.submitterId, 700 * KiB + 1);
    const original = await apiUpload(payer, plain);
    expect((await waitForStatus(original.id, FINAL)).status).toBe("delivered");

    const duplicate = await apiUpload(payer, plain);
    expect(duplicate.awaitingConfirmation).toBe(true);
    const stagingKey = (await loadTransfer(duplicate.id)).stagingKey!;
    const copy = await recoverRawCopy(stagingKey);
    expect(await decryptAll(copy, await loadFileKey(stagingKey))).toBe(sha256(plain));

    const cancelled = await confirmDuplicate(payer.actor, duplicate.id, false);
    expect(cancelled).toMatchObject({ status: "failed", stagingKey: null, awaitingConfirmation: false });
    expect(fs.existsSync(stagingPath(stagingKey))).toBe(false);
    await expectUndecryptable(stagingKey, copy);
    // Only the original reached the payer.
    expect(remoteFiles(payer.root)).toEqual([(await loadTransfer(original.id)).remoteName]);
  });

  it("cancel: a browser upload terminated part-way (tus DELETE)", async () => {
    const payer = await openPayer();
    const plain = randomX12ish(payer.submitterId, 2 * MiB);
    const id = await tusCreate(payer, plain.length);
    await patchRange(payer, id, plain, 0, 900_001);
    const stagingKey = `tus/${id}`;
    const copy = await recoverRawCopy(stagingKey);
    const stored = await tusOffset(payer, id);
    expect(await decryptAll(copy, await loadFileKey(stagingKey), true)).toBe(sha256(plain.subarray(0, stored)));

    const response = await tusRoute.DELETE(tusRequest(payer, "DELETE", `${TUS}/${id}`, {}));
    expect(response.status).toBe(204);
    // The transfer row ends and the key goes once the termination is recorded (after the response).
    const row = await eventually(async () => {
      const current = await transferOfUpload(id);
      return current.status === "failed" && (await keyRowsOf(stagingKey)).length === 0 ? current : undefined;
    }, "the cancelled upload's key to be destroyed");
    expect(row.lastErrorCode).toBe("CANCELLED");
    expect(fs.existsSync(stagingPath(stagingKey))).toBe(false);
    expect(fs.existsSync(`${stagingPath(stagingKey)}.json`)).toBe(false);
    await expectUndecryptable(stagingKey, copy, true);
  });
});
