import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, destinations, mailMessages, partnerAccounts, transfers } from "@/db/schema";
import { createApiToken } from "@/lib/api/tokens";
import { operationsSnapshot } from "@/lib/monitoring/operations";
import { STAGING_LOW_MAIL, STAGING_OK_MAIL, STORAGE_FULL_CODE, STORAGE_REFUSED_ACTION } from "@/lib/transfers/staging/space-records";
import { errorSchema } from "@/lib/api/schemas";
import { replaceRuntimeParts } from "@/lib/runtime";
import { logger } from "@/lib/logger";
import { checkStagingSpace, REFUSAL_HOLD_MINUTES, stagingSpaceChecksSettled } from "@/lib/notifications/staging-alerts";
import { stagingRoot, tusDirectory } from "@/lib/transfers/staging/files";
import { measureStagingSpace, stagingReserveBytes, STORAGE_FULL_MESSAGE } from "@/lib/transfers/staging/space";
import { GET as health } from "@/app/api/health/route";
import { GET as healthDetails } from "@/app/api/health/details/route";
import { POST as apiUpload } from "@/app/api/v1/transfers/route";
import * as tusRoute from "@/app/api/uploads/[[...tus]]/route";
import { withTestDatabase } from "@/test/support/db";
import { partnerIn, staff } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { systemActor } from "@/lib/auth/actor";

/*
 * Disk space as a limit, on a real, small filesystem: the staging directory is a 20 MiB tmpfs, the
 * reserve 2 MiB, and the volume is filled "from the side" (another file on it) to run out before or
 * during an upload. The API and tus handlers, the database, the mail log and the health endpoints
 * are the real ones; only the session cookie's decoding is stood in for.
 */

// The request's session cookie, as Auth.js would decode it: which session row it names.
const cookie: { sessionId: string | null } = { sessionId: null };
vi.mock("@/lib/auth/auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/auth/auth")>()),
  auth: async () => (cookie.sessionId ? { sessionId: cookie.sessionId, user: {} } : null),
}));
vi.mock("next/headers", async () => ({ headers: async () => new Headers({ "x-portal-client-ip": "203.0.113.9" }) }));
// One injection, for the race the numbers cannot stage: the measurement says there is room while
// the disk is already full (another upload took the space between the check and the write).
const measurement = vi.hoisted(() => ({ pretendRoom: false }));
vi.mock("@/lib/transfers/staging/space", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/transfers/staging/space")>();
  return {
    ...original,
    measureStagingSpace: async (...args: Parameters<typeof original.measureStagingSpace>) => {
      const space = await original.measureStagingSpace(...args);
      return measurement.pretendRoom ? { ...space, status: "ok" as const, freeBytes: 1024 ** 3 } : space;
    },
  };
});

const KiB = 1024;
const MiB = 1024 * KiB;
const VOLUME_MIB = 20;
const RESERVE_MIB = 2;

const { dataDir } = useTemporaryPortalEnv({ STAGING_RESERVE_MB: String(RESERVE_MIB) });
const stagingDir = path.join(dataDir, "staging");
const filler = path.join(stagingDir, "filler.bin");

/** Mounts the tmpfs at module load, so the tests can be skipped (with the reason) when it cannot be. */
function mountVolume(): string | null {
  if (process.platform !== "linux") return "a tmpfs mount needs Linux";
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root (run as root, e.g. in CI's container)";
  try {
    fs.mkdirSync(stagingDir, { recursive: true, mode: 0o700 });
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${VOLUME_MIB}m,mode=0700`, "tmpfs", stagingDir], { stdio: "pipe" });
    return null;
  } catch (error) {
    return `mount -t tmpfs failed: ${(error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message}`;
  }
}
const skipReason = mountVolume();
if (skipReason) console.warn(`staging-space.test.ts: the full-volume tests are skipped: ${skipReason}`);

withTestDatabase();
const queued: string[] = [];
beforeAll(() => replaceRuntimeParts({ relayQueue: { enqueue: async (id) => void queued.push(id) } }));

// Registered after withTestDatabase: runs before its teardown, so no background check outlives the database.
afterAll(async () => {
  await stagingSpaceChecksSettled();
  if (!skipReason) {
    try {
      execFileSync("umount", [stagingDir], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", stagingDir], { stdio: "pipe" });
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/* ------------------------------------------------------------------ helpers */

async function freeBytes(): Promise<number> {
  const stats = await fs.promises.statfs(stagingDir);
  return stats.bavail * stats.bsize;
}

/** Fills the volume from the side until `leaveBytes` are free. */
async function fillLeaving(leaveBytes: number): Promise<void> {
  const current = fs.existsSync(filler) ? fs.statSync(filler).size : 0;
  const target = current + (await freeBytes()) - leaveBytes;
  // Real blocks (a sparse file would take no space): written in 1 MiB pieces.
  const fd = fs.openSync(filler, "w");
  const block = Buffer.alloc(MiB, 0x5a);
  try {
    for (let written = 0; written < target; written += MiB) fs.writeSync(fd, block, 0, Math.min(MiB, target - written));
  } catch (error) {
    // Asked for (nearly) everything: the volume is full, which is what was wanted.
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC" || leaveBytes > 64 * KiB) throw error;
  } finally {
    fs.closeSync(fd);
  }
}

function emptyVolume(): void {
  fs.rmSync(filler, { force: true });
}

/** Every file on the staging volume except the filler. */
function stagedFiles(): string[] {
  if (!fs.existsSync(stagingRoot())) return [];
  return fs
    .readdirSync(stagingRoot(), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && path.join(entry.parentPath, entry.name) !== filler)
    .map((entry) => path.relative(stagingRoot(), path.join(entry.parentPath, entry.name)));
}

/** Files staged since `before` was taken (earlier tests leave accepted files behind, as they should). */
function stagedSince(before: string[]): string[] {
  return stagedFiles().filter((file) => !before.includes(file));
}

async function partnerWithAccount() {
  const partner = await partnerIn();
  const db = await getDb();
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password", maxFileBytes: 64 * MiB, x12Policy: "warn" })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: "clinic" }).returning();
  const { token } = await createApiToken(partner.actor, { name: "batch job" });
  return { ...partner, destination, account, token };
}

async function transfersOf(organisationId: string) {
  const db = await getDb();
  return db.select().from(transfers).where(eq(transfers.organisationId, organisationId));
}

/** A body produced on demand; `onPulled(bytes)` runs before each chunk (to fill the volume mid-body). */
function generatedBody(totalBytes: number, onPulled: (pulled: number) => Promise<void> | void = () => undefined) {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (state.pulled >= totalBytes) return controller.close();
        await onPulled(state.pulled);
        const size = Math.min(256 * KiB, totalBytes - state.pulled);
        state.pulled += size;
        controller.enqueue(new Uint8Array(Buffer.alloc(size, "claim line\n")));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

function postApi(token: string, accountId: string, body: ReadableStream<Uint8Array>, contentLength: number) {
  return apiUpload(
    new Request("http://portal.test/api/v1/transfers", {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/octet-stream",
        "content-length": String(contentLength),
        "x-account-id": accountId,
        "x-filename": `CLM${crypto.randomInt(1000, 9999)}P.TXT`,
        "x-portal-client-ip": "198.51.100.7",
      },
      body,
      duplex: "half",
    } as RequestInit),
  );
}

const tusHeaders = { "tus-resumable": "1.0.0" };
const tusMetadata = (name: string, accountId: string) =>
  [`filename ${Buffer.from(name).toString("base64")}`, `accountId ${Buffer.from(accountId).toString("base64")}`, `mode ${Buffer.from("production").toString("base64")}`].join(",");

async function tusCreate(sessionId: string, accountId: string, size: number) {
  cookie.sessionId = sessionId;
  const response = await tusRoute.POST(
    new NextRequest("http://portal.test/api/uploads", { method: "POST", headers: { ...tusHeaders, "upload-length": String(size), "upload-metadata": tusMetadata(`CLM${crypto.randomInt(1000, 9999)}P.TXT`, accountId) } }),
  );
  const location = response.headers.get("location");
  return { response, id: location?.split("/").pop() ?? null, location };
}

async function tusPatch(sessionId: string, location: string, body: Buffer) {
  cookie.sessionId = sessionId;
  return tusRoute.PATCH(
    new NextRequest(new URL(location, "http://portal.test/api/uploads/"), {
      method: "PATCH",
      headers: { ...tusHeaders, "upload-offset": "0", "content-type": "application/offset+octet-stream" },
      body: new Uint8Array(body),
    }),
  );
}

async function healthBody() {
  const response = await health(new Request("http://portal.test/api/health"));
  return { status: response.status, body: (await response.json()) as { status: string; staging: { status: string }; database: { status: string } } };
}

async function mailsOfKind(kind: string) {
  const db = await getDb();
  return db.select().from(mailMessages).where(eq(mailMessages.kind, kind));
}

/* ------------------------------------------------------------------ the reserve rule */

describe("the reserve", () => {
  it("is STAGING_RESERVE_MB when set, else 5% of the volume capped at 1 GiB", () => {
    expect(stagingReserveBytes(20 * MiB, 2)).toBe(2 * MiB);
    expect(stagingReserveBytes(20 * MiB, 0)).toBe(0);
    expect(stagingReserveBytes(80 * MiB, undefined)).toBe(4 * MiB);
    expect(stagingReserveBytes(10 * 1024 * MiB, undefined)).toBe(512 * MiB);
    expect(stagingReserveBytes(500 * 1024 * MiB, undefined)).toBe(1024 * MiB);
  });
});

/* ------------------------------------------------------------------ a full volume */

describe.skipIf(skipReason !== null)("a staging volume without room", () => {
  let admins: Awaited<ReturnType<typeof staff>>[] = [];
  beforeAll(async () => {
    admins = [await staff("admin"), await staff("admin")];
  });

  it("refuses an API upload and a tus creation with 507 before a byte is stored, and health turns degraded", async () => {
    const a = await partnerWithAccount();
    const space = await measureStagingSpace();
    expect(space).toMatchObject({ status: "ok", reserveBytes: RESERVE_MIB * MiB });
    expect(space.totalBytes).toBe(VOLUME_MIB * MiB);
    expect((await healthBody()).body).toMatchObject({ status: "ok", staging: { status: "ok" } });

    // 1 MiB free: below the 2 MiB reserve, so even a 100 KiB file does not fit.
    await fillLeaving(1 * MiB);
    const warn = vi.spyOn(logger, "warn");

    const body = generatedBody(100 * KiB);
    const refused = await postApi(a.token, a.account.id, body.stream, 100 * KiB);
    expect(refused.status).toBe(507);
    expect(refused.headers.get("connection")).toBe("close");
    const error = errorSchema.parse(await refused.json());
    expect(error.error).toEqual({ code: "INSUFFICIENT_STORAGE", message: STORAGE_FULL_MESSAGE });
    expect(error.error.message).toMatch(/out of storage space/);
    expect(error.error.message).toMatch(/not a problem with your file or your account/);
    expect(error.error.message).toMatch(/try again later; the portal's operators have been told/);
    expect(body.state.pulled).toBe(0);

    const created = await tusCreate(a.actor.sessionId, a.account.id, 100 * KiB);
    expect(created.response.status).toBe(507);
    expect(JSON.parse(await created.response.text())).toEqual({ error: { code: "INSUFFICIENT_STORAGE", message: STORAGE_FULL_MESSAGE } });
    expect(created.location).toBeNull();

    expect(stagedFiles()).toEqual([]);
    expect(await transfersOf(a.organisation.id)).toEqual([]);
    // One line for each refusal, with the sizes; never the system's error text.
    const refusals = warn.mock.calls.filter(([message]) => message === "upload refused: not enough space on the staging volume");
    expect(refusals).toHaveLength(2);
    expect(refusals.map(([, fields]) => fields?.channel).sort()).toEqual(["api", "browser"]);
    for (const [, fields] of refusals) expect(fields).toMatchObject({ declaredBytes: 100 * KiB, receivedBytes: 0, reserveBytes: RESERVE_MIB * MiB, totalBytes: VOLUME_MIB * MiB });

    const public_ = await healthBody();
    expect(public_.status).toBe(200);
    expect(public_.body).toMatchObject({ status: "degraded", database: { status: "ok" }, staging: { status: "low" } });
    expect(Object.keys(public_.body.staging)).toEqual(["status"]);

    const snapshot = await operationsSnapshot(admins[0].actor, { downAfterMinutes: 10 });
    expect(snapshot.status).toBe("degraded");
    expect(snapshot.staging).toMatchObject({ status: "low", totalBytes: VOLUME_MIB * MiB, reserveBytes: RESERVE_MIB * MiB });
    expect(snapshot.staging.freeBytes).toBeLessThan(RESERVE_MIB * MiB);
    cookie.sessionId = admins[0].actor.sessionId;
    const details = (await (await healthDetails(new Request("http://portal.test/api/health/details"))).json()) as { status: string; staging: { status: string; freeBytes: number } };
    expect(details).toMatchObject({ status: "degraded", staging: { status: "low" } });
  });

  it("emails every admin once per episode, and again only after an 'ok again'", async () => {
    await stagingSpaceChecksSettled();
    const addresses = admins.map((admin) => admin.user.email).sort();
    expect((await mailsOfKind(STAGING_LOW_MAIL)).map((mail) => mail.toAddress).sort()).toEqual(addresses);
    // The minute schedule runs again and again while it lasts: nothing more.
    expect((await checkStagingSpace(systemActor("notification-dispatcher"))).mails).toBe(0);
    expect((await checkStagingSpace(systemActor("notification-dispatcher"))).mails).toBe(0);
    const [low] = await mailsOfKind(STAGING_LOW_MAIL);
    expect(low.subject).toMatch(/storage low/i);
    expect(low.textBody).toMatch(/below its reserve: .* free of 20 MiB/);
    expect(low.textBody).toContain("/admin/operations");
    expect(low.organisationId).toBeNull();

    // Space is back, but a refusal within REFUSAL_HOLD_MINUTES keeps the episode open.
    emptyVolume();
    expect((await checkStagingSpace(systemActor("notification-dispatcher"))).state).toBe("low");
    expect(await mailsOfKind(STAGING_OK_MAIL)).toEqual([]);
    const later = new Date(Date.now() + (REFUSAL_HOLD_MINUTES + 1) * 60_000);
    const ok = await checkStagingSpace(systemActor("notification-dispatcher"), later);
    expect(ok).toMatchObject({ state: "ok", mails: 2 });
    expect((await checkStagingSpace(systemActor("notification-dispatcher"), later)).mails).toBe(0);
    expect((await mailsOfKind(STAGING_OK_MAIL)).map((mail) => mail.toAddress).sort()).toEqual(addresses);
    expect((await healthBody()).body).toMatchObject({ status: "ok", staging: { status: "ok" } });

    // A new shortage is a new episode: one more email each.
    await fillLeaving(1 * MiB);
    expect((await checkStagingSpace(systemActor("notification-dispatcher"), later)).mails).toBe(2);
    expect(await mailsOfKind(STAGING_LOW_MAIL)).toHaveLength(4);
    emptyVolume();
    await checkStagingSpace(systemActor("notification-dispatcher"), later);
  });

  it("ends a tus upload that runs out of space mid-way: 507, no partial bytes, no stuck row, one log line", async () => {
    emptyVolume();
    const before = stagedFiles();
    const a = await partnerWithAccount();
    const size = 8 * MiB;
    const created = await tusCreate(a.actor.sessionId, a.account.id, size);
    expect(created.response.status).toBe(201);
    expect(stagedSince(before).sort()).toEqual([`tus/${created.id}`, `tus/${created.id}.json`]);
    const [row] = await transfersOf(a.organisation.id);
    expect(row).toMatchObject({ status: "uploading", uploadId: created.id });

    // The declared 8 MiB fitted; now the volume fills up from the side, leaving 3 MiB.
    await fillLeaving(3 * MiB);
    const error = vi.spyOn(logger, "error");
    const patched = await tusPatch(a.actor.sessionId, created.location!, crypto.randomBytes(size));
    expect(patched.status).toBe(507);
    const text = await patched.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "INSUFFICIENT_STORAGE", message: STORAGE_FULL_MESSAGE } });
    expect(text).not.toMatch(/ENOSPC|no space left/i);

    // Terminated: bytes and info file gone, so the space is free again.
    expect(stagedSince(before)).toEqual([]);
    expect(fs.existsSync(path.join(tusDirectory(), `${created.id}.json`))).toBe(false);
    const [after] = await transfersOf(a.organisation.id);
    expect(after).toMatchObject({ id: row.id, status: "failed", lastErrorCode: STORAGE_FULL_CODE, lastErrorMessage: STORAGE_FULL_MESSAGE, stagingKey: null });
    const stopped = error.mock.calls.filter(([message]) => message === "upload stopped: the staging volume ran out of space; its partial bytes were removed");
    expect(stopped).toHaveLength(1);
    expect(stopped[0][1]).toMatchObject({ channel: "browser", uploadId: created.id, declaredBytes: size, transferIds: [row.id] });
    expect(stopped[0][1]?.receivedBytes as number).toBeGreaterThan(0);
    expect(stopped[0][1]?.receivedBytes as number).toBeLessThanOrEqual(size);
    expect(error.mock.calls.filter(([message]) => message !== stopped[0][0])).toEqual([]);

    // The next (small) upload goes through at once: the partial no longer holds the space.
    const small = Buffer.from("ISA*00*just a small claim file~");
    const next = await tusCreate(a.actor.sessionId, a.account.id, small.length);
    expect(next.response.status).toBe(201);
    const finished = await tusPatch(a.actor.sessionId, next.location!, small);
    expect(finished.status).toBe(200);
    expect(finished.headers.get("x-transfer-outcome")).toBe("queued");

    const db = await getDb();
    const audit = await db.select().from(auditEvents).where(and(eq(auditEvents.action, STORAGE_REFUSED_ACTION), eq(auditEvents.organisationId, a.organisation.id)));
    expect(audit.map((event) => event.detail)).toEqual([expect.objectContaining({ phase: "interrupted", channel: "browser", declaredBytes: size })]);
    emptyVolume();
  });

  it("ends an API upload that runs out of space mid-body: 507, no partial file, no row, one log line", async () => {
    emptyVolume();
    const before = stagedFiles();
    const a = await partnerWithAccount();
    const size = 10 * MiB;
    const error = vi.spyOn(logger, "error");
    // Fits when the request starts; after 1 MiB of body, the volume fills up from the side.
    const body = generatedBody(size, async (pulled) => {
      if (pulled === 1 * MiB) await fillLeaving(512 * KiB);
    });
    const response = await postApi(a.token, a.account.id, body.stream, size);
    expect(response.status).toBe(507);
    expect(errorSchema.parse(await response.json()).error).toEqual({ code: "INSUFFICIENT_STORAGE", message: STORAGE_FULL_MESSAGE });
    expect(body.state.pulled).toBeLessThan(size);

    expect(stagedSince(before)).toEqual([]);
    expect(await transfersOf(a.organisation.id)).toEqual([]);
    const stopped = error.mock.calls.filter(([message]) => message === "upload stopped: the staging volume ran out of space; its partial bytes were removed");
    expect(stopped).toHaveLength(1);
    expect(stopped[0][1]).toMatchObject({ channel: "api", declaredBytes: size });
    expect(stopped[0][1]?.receivedBytes as number).toBeGreaterThan(1 * MiB);
    expect(error.mock.calls).toHaveLength(1);
    emptyVolume();

    // With room again the same file is accepted.
    const again = await postApi(a.token, a.account.id, generatedBody(size).stream, size);
    expect(again.status).toBe(202);
    const rows = await transfersOf(a.organisation.id);
    expect(rows.map((r) => r.status)).toEqual(["queued"]);
    expect(queued).toContain(rows[0].id);
  });

  it("leaves no row behind when the disk fills between the check and a tus creation", async () => {
    emptyVolume();
    const before = stagedFiles();
    const a = await partnerWithAccount();
    // The disk is full to the last page, but the check (racing another upload) saw room.
    await fillLeaving(0);
    measurement.pretendRoom = true;
    let created: Awaited<ReturnType<typeof tusCreate>>;
    try {
      created = await tusCreate(a.actor.sessionId, a.account.id, 64 * KiB);
    } finally {
      measurement.pretendRoom = false;
    }
    expect(created.response.status).toBe(507);
    expect(JSON.parse(await created.response.text())).toEqual({ error: { code: "INSUFFICIENT_STORAGE", message: STORAGE_FULL_MESSAGE } });
    expect(stagedSince(before)).toEqual([]);
    // The row written when the upload was created ends "failed" with the same message: none stays "uploading".
    const db = await getDb();
    expect(await db.select().from(transfers).where(and(eq(transfers.organisationId, a.organisation.id), inArray(transfers.status, ["uploading", "received"])))).toEqual([]);
    expect(await transfersOf(a.organisation.id)).toEqual([expect.objectContaining({ status: "failed", lastErrorCode: STORAGE_FULL_CODE, lastErrorMessage: STORAGE_FULL_MESSAGE })]);
    emptyVolume();
  });
});
