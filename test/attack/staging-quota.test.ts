import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, destinations, organisations, partnerAccounts, transfers } from "@/db/schema";
import { createApiToken } from "@/lib/api/tokens";
import { errorSchema } from "@/lib/api/schemas";
import { systemActor } from "@/lib/auth/actor";
import { ForbiddenError } from "@/lib/errors";
import { getStagingUsage, QUOTA_REFUSED_ACTION, setStagingLimits } from "@/lib/organisations/quota";
import { replaceRuntimeParts } from "@/lib/runtime";
import { stagingRoot, tusDirectory } from "@/lib/transfers/staging/files";
import { removeExpiredUnfinishedUploads, UPLOAD_EXPIRED_ACTION, UPLOAD_EXPIRED_CODE } from "@/lib/transfers/staging/unfinished-uploads";
import { tusServer } from "@/lib/transfers/intake/tus";
import { POST as apiUpload } from "@/app/api/v1/transfers/route";
import * as tusRoute from "@/app/api/uploads/[[...tus]]/route";
import { setStagingLimitsAction } from "@/app/admin/organisations/quota-actions";
import { asSession, callAction } from "@/test/attack/support/boundary";
import { withTestDatabase } from "@/test/support/db";
import { partnerIn, staff } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

/*
 * Issue #16: one partner opened 40 × 100 MiB resumable uploads without a refusal, and unfinished
 * uploads were kept for 14 days. Each organisation now has a quota of staged bytes and of uploads in
 * progress, checked before a byte is accepted, and unfinished uploads expire. Also: a finished
 * upload is never served back (GET), while HEAD still lets an upload resume.
 *
 * The tus route, the API route, the services and the database are the real ones; only the session
 * cookie's decoding is stood in for (test/attack/support/boundary.ts).
 */

vi.mock("@/lib/auth/auth", async (importOriginal) => {
  const { boundary } = await import("@/test/attack/support/boundary");
  return {
    ...(await importOriginal<typeof import("@/lib/auth/auth")>()),
    auth: async () => (boundary.sessionId ? { sessionId: boundary.sessionId, user: {} } : null),
  };
});
vi.mock("next/headers", async () => {
  const { boundary } = await import("@/test/attack/support/boundary");
  return { headers: async () => new Headers({ "x-portal-client-ip": boundary.ip }), cookies: async () => ({ get: () => undefined, getAll: () => [] }) };
});
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

const KiB = 1024;
const MiB = 1024 * KiB;

useTemporaryPortalEnv({ STAGING_QUOTA_MIB: "2048", UNFINISHED_UPLOADS_MAX: "10", UNFINISHED_UPLOAD_HOURS: "24", STAGING_DELIVERED_GRACE_HOURS: "24" });
withTestDatabase();
beforeAll(() => replaceRuntimeParts({ relayQueue: { enqueue: async () => undefined } }));

/* ------------------------------------------------------------------ helpers */

async function partnerWithAccount() {
  const partner = await partnerIn();
  const db = await getDb();
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password", maxFileBytes: 64 * MiB, x12Policy: "warn" })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: "clinic" }).returning();
  const { token } = await createApiToken(partner.actor, { name: "batch job" });
  return { ...partner, account, token };
}
type Partner = Awaited<ReturnType<typeof partnerWithAccount>>;

const tusHeaders = { "tus-resumable": "1.0.0" };
const b64 = (value: string) => Buffer.from(value).toString("base64");

async function tusCreate(partner: Partner, size: number) {
  const name = `CLM${crypto.randomInt(1000, 9999)}P.TXT`;
  const response = await asSession(partner.actor.sessionId, () =>
    tusRoute.POST(
      new NextRequest("http://portal.test/api/uploads", {
        method: "POST",
        headers: { ...tusHeaders, "upload-length": String(size), "upload-metadata": `filename ${b64(name)},accountId ${b64(partner.account.id)},mode ${b64("production")}` },
      }),
    ),
  );
  const location = response.headers.get("location");
  return { response, id: location?.split("/").pop() ?? null, location };
}

function tusCall(partner: Partner, method: "HEAD" | "GET" | "PATCH" | "DELETE", id: string, body?: Buffer) {
  const headers: Record<string, string> = { ...tusHeaders, ...(method === "PATCH" ? { "upload-offset": "0", "content-type": "application/offset+octet-stream" } : {}) };
  const request = new NextRequest(`http://portal.test/api/uploads/${id}`, { method, headers, body: body ? new Uint8Array(body) : undefined });
  return asSession(partner.actor.sessionId, () => tusRoute[method](request));
}

/** A body produced on demand, counting what the server pulled. */
function generatedBody(totalBytes: number) {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled >= totalBytes) return controller.close();
        const size = Math.min(64 * KiB, totalBytes - state.pulled);
        state.pulled += size;
        controller.enqueue(new Uint8Array(Buffer.alloc(size, "claim line\n")));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

function postApi(partner: Partner, body: ReadableStream<Uint8Array>, contentLength: number | null) {
  return apiUpload(
    new Request("http://portal.test/api/v1/transfers", {
      method: "POST",
      headers: {
        authorization: `Bearer ${partner.token}`,
        "content-type": "application/octet-stream",
        ...(contentLength === null ? {} : { "content-length": String(contentLength) }),
        "x-account-id": partner.account.id,
        "x-filename": `CLM${crypto.randomInt(1000, 9999)}P.TXT`,
        "x-portal-client-ip": "198.51.100.7",
      },
      body,
      duplex: "half",
    } as RequestInit),
  );
}

async function refusal(response: Response) {
  const body = errorSchema.parse(await response.json());
  return { status: response.status, code: body.error.code, message: body.error.message };
}

async function rowsOf(organisationId: string) {
  return (await getDb()).select().from(transfers).where(eq(transfers.organisationId, organisationId));
}

function tusFiles(): string[] {
  return fs.existsSync(tusDirectory()) ? fs.readdirSync(tusDirectory()) : [];
}

/** Every staged file (tus uploads and API bodies) on disk. */
function stagedFiles(): string[] {
  if (!fs.existsSync(stagingRoot())) return [];
  return fs
    .readdirSync(stagingRoot(), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(stagingRoot(), path.join(entry.parentPath, entry.name)));
}

async function limit(partner: Partner, limits: { stagingQuotaMib: number | null; maxUnfinishedUploads: number | null }) {
  const { actor } = await staff("admin");
  await setStagingLimits(actor, partner.organisation.id, limits);
}

async function auditOf(organisationId: string, action: string) {
  return (await getDb())
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.organisationId, organisationId), eq(auditEvents.action, action)));
}

/* ------------------------------------------------------------------ browser uploads (tus) */

describe("resumable uploads: the organisation's quota is checked at creation, before a byte is stored", () => {
  it("refuses the upload past the unfinished-upload limit, with what to do, and stores nothing", async () => {
    const partner = await partnerWithAccount();
    await limit(partner, { stagingQuotaMib: null, maxUnfinishedUploads: 2 });
    expect((await tusCreate(partner, 10 * KiB)).response.status).toBe(201);
    expect((await tusCreate(partner, 10 * KiB)).response.status).toBe(201);
    const files = tusFiles();

    const third = await tusCreate(partner, 10 * KiB);
    expect(third.id).toBeNull();
    expect(third.response.headers.get("tus-resumable")).toBe("1.0.0");
    const answer = await refusal(third.response);
    expect(answer).toMatchObject({ status: 403, code: "QUOTA_EXCEEDED" });
    expect(answer.message).toBe(
      "Your organisation has 2 uploads in progress, the most it may have at once: finish or cancel one first. An upload left unfinished is removed 24 hours after it started.",
    );
    expect(tusFiles()).toEqual(files);
    expect((await rowsOf(partner.organisation.id)).map((row) => row.status)).toEqual(["uploading", "uploading"]);
    const [audit] = await auditOf(partner.organisation.id, QUOTA_REFUSED_ACTION);
    expect(audit).toMatchObject({ result: "denied", detail: expect.objectContaining({ channel: "browser", kind: "unfinished_uploads", unfinishedUploads: 2, maxUnfinishedUploads: 2 }) });

    // Cancelling one (tus DELETE) makes room for the next.
    const [first] = await rowsOf(partner.organisation.id);
    expect((await tusCall(partner, "DELETE", first.uploadId!)).status).toBe(204);
    await vi.waitFor(async () => expect((await rowsOf(partner.organisation.id)).filter((row) => row.status === "uploading")).toHaveLength(1));
    expect((await tusCreate(partner, 10 * KiB)).response.status).toBe(201);
  });

  it("refuses an upload whose announced length does not fit in the staged-bytes quota (unfinished uploads count in full)", async () => {
    const partner = await partnerWithAccount();
    await limit(partner, { stagingQuotaMib: 1, maxUnfinishedUploads: null });
    expect((await tusCreate(partner, 600 * KiB)).response.status).toBe(201);
    expect((await tusCreate(partner, 300 * KiB)).response.status).toBe(201);
    const files = tusFiles();

    const over = await refusal((await tusCreate(partner, 200 * KiB)).response);
    expect(over).toMatchObject({ status: 403, code: "QUOTA_EXCEEDED" });
    expect(over.message).toBe(
      "Your organisation already has 900 KiB of files waiting on the portal (limit 1 MiB), and this file (200 KiB) does not fit, so nothing of it was kept. Wait until some have been delivered (the portal removes its copy within 24 hours of delivery) or ask your administrator to raise the limit.",
    );
    const alone = await refusal((await tusCreate(partner, 3 * MiB)).response);
    expect(alone.message).toMatch(/^This file \(3 MiB\) is larger than your organisation may keep on the portal at once \(1 MiB\)\. Split it/);
    expect(tusFiles()).toEqual(files);
    // What still fits is accepted.
    expect((await tusCreate(partner, 100 * KiB)).response.status).toBe(201);
  });

  it("uploads started at the same moment cannot share the last room: exactly one gets it", async () => {
    const partner = await partnerWithAccount();
    await limit(partner, { stagingQuotaMib: 1, maxUnfinishedUploads: 3 });
    expect((await tusCreate(partner, 700 * KiB)).response.status).toBe(201);
    const attempts = await Promise.all(Array.from({ length: 6 }, () => tusCreate(partner, 200 * KiB)));
    expect(attempts.map((attempt) => attempt.response.status).sort()).toEqual([201, 403, 403, 403, 403, 403]);
    expect(await getStagingUsage(partner.actor, partner.organisation.id)).toMatchObject({ stagedBytes: 900 * KiB, unfinishedUploads: 2 });
  });

  it("is per organisation: another organisation's uploads are not refused", async () => {
    const full = await partnerWithAccount();
    const other = await partnerWithAccount();
    await limit(full, { stagingQuotaMib: 1, maxUnfinishedUploads: 1 });
    expect((await tusCreate(full, 1 * MiB)).response.status).toBe(201);
    expect((await tusCreate(full, 1)).response.status).toBe(403);
    expect((await tusCreate(other, 1 * MiB)).response.status).toBe(201);
  });
});

/* ------------------------------------------------------------------ the HTTPS API */

describe("API uploads: refused by Content-Length before the body is read, and mid-stream when chunked", () => {
  it("counts kept files and unfinished uploads, refuses by Content-Length without pulling a byte and closes the connection", async () => {
    const partner = await partnerWithAccount();
    await limit(partner, { stagingQuotaMib: 1, maxUnfinishedUploads: null });
    // An unfinished browser upload holds 512 KiB; an accepted API file 256 KiB more.
    expect((await tusCreate(partner, 512 * KiB)).response.status).toBe(201);
    const accepted = generatedBody(256 * KiB);
    expect((await postApi(partner, accepted.stream, 256 * KiB)).status).toBe(202);
    const before = stagedFiles();

    const body = generatedBody(300 * KiB);
    const response = await postApi(partner, body.stream, 300 * KiB);
    expect(response.headers.get("connection")).toBe("close");
    const answer = await refusal(response);
    expect(answer).toMatchObject({ status: 403, code: "QUOTA_EXCEEDED" });
    expect(answer.message).toMatch(/^Your organisation already has 768 KiB of files waiting on the portal \(limit 1 MiB\), and this file \(300 KiB\) does not fit/);
    expect(body.state.pulled).toBe(0);
    expect(stagedFiles()).toEqual(before);
    expect(await rowsOf(partner.organisation.id)).toHaveLength(2);
    expect(await auditOf(partner.organisation.id, QUOTA_REFUSED_ACTION)).toEqual([expect.objectContaining({ detail: expect.objectContaining({ channel: "api", kind: "staged_bytes", requestedBytes: 300 * KiB }) })]);
  });

  it("cuts a chunked body off once it outgrows the room left, keeping nothing", async () => {
    const partner = await partnerWithAccount();
    await limit(partner, { stagingQuotaMib: 1, maxUnfinishedUploads: null });
    const before = stagedFiles();
    const body = generatedBody(8 * MiB);
    const answer = await refusal(await postApi(partner, body.stream, null));
    expect(answer).toMatchObject({ status: 403, code: "QUOTA_EXCEEDED" });
    expect(answer.message).toMatch(/^Your organisation already has 0 bytes of files waiting on the portal \(limit 1 MiB\), and this file does not fit in what is left, so nothing of it was kept\./);
    // Read to just past the room (1 MiB), not to the end of the 8 MiB body.
    expect(body.state.pulled).toBeGreaterThan(1 * MiB);
    expect(body.state.pulled).toBeLessThan(2 * MiB);
    expect(stagedFiles()).toEqual(before);
    expect(await rowsOf(partner.organisation.id)).toEqual([]);
    // Within the room, a chunked body is accepted.
    expect((await postApi(partner, generatedBody(512 * KiB).stream, null)).status).toBe(202);
  });

  it("concurrent API uploads that each fit alone: the ones past the quota are refused after staging, their bytes removed", async () => {
    const partner = await partnerWithAccount();
    await limit(partner, { stagingQuotaMib: 1, maxUnfinishedUploads: null });
    const before = stagedFiles();
    const responses = await Promise.all(Array.from({ length: 4 }, () => postApi(partner, generatedBody(400 * KiB).stream, 400 * KiB)));
    expect(responses.map((response) => response.status).sort()).toEqual([202, 202, 403, 403]);
    expect(stagedFiles().filter((file) => !before.includes(file))).toHaveLength(2);
    expect(await getStagingUsage(partner.actor, partner.organisation.id)).toMatchObject({ stagedBytes: 800 * KiB });
  });
});

/* ------------------------------------------------------------------ expiry */

describe("unfinished uploads expire", () => {
  it("ends uploads not finished within UNFINISHED_UPLOAD_HOURS: row failed with a message, bytes and tus metadata removed, audited, room freed", async () => {
    const partner = await partnerWithAccount();
    await limit(partner, { stagingQuotaMib: null, maxUnfinishedUploads: 2 });
    const old = await tusCreate(partner, 64 * KiB);
    const fresh = await tusCreate(partner, 64 * KiB);
    expect(tusFiles()).toEqual(expect.arrayContaining([old.id, `${old.id}.json`, fresh.id, `${fresh.id}.json`]));
    // Half of the old one arrived; then it was left.
    const db = await getDb();
    await db
      .update(transfers)
      .set({ createdAt: new Date(Date.now() - 25 * 3_600_000) })
      .where(eq(transfers.uploadId, old.id!));
    expect((await tusCreate(partner, 1)).response.status).toBe(403);

    const expired = await removeExpiredUnfinishedUploads(systemActor("retention"), { maxHours: 24, retentionDays: 14 });
    expect(expired.map((entry) => entry.uploadId)).toEqual([old.id]);
    const [row] = await db.select().from(transfers).where(eq(transfers.uploadId, old.id!));
    expect(row).toMatchObject({
      status: "failed",
      stagingKey: null,
      lastErrorCode: UPLOAD_EXPIRED_CODE,
      lastErrorMessage: "The upload was not finished within 24 hours of starting, so it was removed and nothing was sent. Upload the file again.",
    });
    expect(tusFiles()).not.toContain(old.id);
    expect(tusFiles()).not.toContain(`${old.id}.json`);
    expect(tusFiles()).toEqual(expect.arrayContaining([fresh.id, `${fresh.id}.json`]));
    expect(await auditOf(partner.organisation.id, UPLOAD_EXPIRED_ACTION)).toEqual([expect.objectContaining({ actorEmail: "system:retention", result: "success" })]);

    // A resuming client is told the upload is gone (and starts a new one); the room is free again.
    const head = await tusCall(partner, "HEAD", old.id!);
    expect(head.status).toBe(410);
    const patch = await refusal(await tusCall(partner, "PATCH", old.id!, Buffer.alloc(10)));
    expect(patch).toMatchObject({ status: 410, message: row.lastErrorMessage });
    expect((await tusCreate(partner, 1)).response.status).toBe(201);
    // Idempotent: a second run finds nothing more.
    expect(await removeExpiredUnfinishedUploads(systemActor("retention"), { maxHours: 24, retentionDays: 14 })).toEqual([]);
  });

  it("never keeps an unfinished upload longer than the staging retention", async () => {
    const partner = await partnerWithAccount();
    const upload = await tusCreate(partner, 16 * KiB);
    const db = await getDb();
    await db
      .update(transfers)
      .set({ createdAt: new Date(Date.now() - 15 * 24 * 3_600_000) })
      .where(eq(transfers.uploadId, upload.id!));
    const expired = await removeExpiredUnfinishedUploads(systemActor("retention"), { maxHours: 720, retentionDays: 14 });
    expect(expired.map((entry) => entry.uploadId)).toEqual([upload.id]);
    expect(tusFiles()).not.toContain(upload.id);
  });
});

/* ------------------------------------------------------------------ never served back */

describe("uploads are never served back", () => {
  it("GET on a completed upload is refused with 405 and the JSON error, while HEAD still answers for resumption", async () => {
    const partner = await partnerWithAccount();
    const content = Buffer.from("SECRET-CLAIM-CONTENT\n");
    const created = await tusCreate(partner, content.length);
    expect(created.response.status).toBe(201);
    expect((await tusCall(partner, "PATCH", created.id!, content)).status).toBe(200);

    const get = await tusCall(partner, "GET", created.id!);
    expect(get.headers.get("allow")).not.toContain("GET");
    const text = await get.text();
    expect(text).not.toContain("SECRET-CLAIM-CONTENT");
    expect(get.status).toBe(405);
    expect(errorSchema.parse(JSON.parse(text)).error).toMatchObject({ code: "METHOD_NOT_ALLOWED", message: expect.stringMatching(/never served back/) });

    // The tus server refuses GET itself too, for any caller that bypasses the route.
    const direct = await asSession(partner.actor.sessionId, () => tusServer().handleWeb(new Request(`http://portal.test/api/uploads/${created.id}`, { method: "GET", headers: tusHeaders })));
    const directText = await direct.text();
    expect(direct.status).toBe(405);
    expect(directText).not.toContain("SECRET-CLAIM-CONTENT");
    expect(JSON.parse(directText).error.code).toBe("METHOD_NOT_ALLOWED");

    const head = await tusCall(partner, "HEAD", created.id!);
    expect(head.status).toBe(200);
    expect(head.headers.get("upload-offset")).toBe(String(content.length));
    expect(head.headers.get("upload-length")).toBe(String(content.length));
  });

  it("a finished upload cannot be terminated (its bytes are the queued transfer's)", async () => {
    const partner = await partnerWithAccount();
    const content = Buffer.from("claim\n");
    const created = await tusCreate(partner, content.length);
    expect((await tusCall(partner, "PATCH", created.id!, content)).status).toBe(200);
    expect((await tusCall(partner, "DELETE", created.id!)).status).toBe(400);
    expect(tusFiles()).toContain(created.id);
    const [row] = await (await getDb()).select().from(transfers).where(eq(transfers.uploadId, created.id!));
    expect(row.status).toBe("queued");
  });
});

/* ------------------------------------------------------------------ admins set the limits */

describe("admins set an organisation's limits; support only sees them", () => {
  it("an admin sets both (empty = default), validated and audited; support and partners are refused", async () => {
    const partner = await partnerWithAccount();
    const admin = await staff("admin");
    const support = await staff("support");
    const db = await getDb();

    const saved = await callAction(setStagingLimitsAction, admin.actor.sessionId, { organisationId: partner.organisation.id, stagingQuotaMib: "512", maxUnfinishedUploads: "" });
    expect(saved.status).toBe("ok");
    const [row] = await db.select().from(organisations).where(eq(organisations.id, partner.organisation.id));
    expect(row).toMatchObject({ stagingQuotaBytes: 512 * MiB, maxUnfinishedUploads: null });
    expect(await getStagingUsage(support.actor, partner.organisation.id)).toMatchObject({
      stagedBytes: 0,
      unfinishedUploads: 0,
      limits: { stagingQuotaBytes: 512 * MiB, maxUnfinishedUploads: 10, own: { stagingQuotaBytes: true, maxUnfinishedUploads: false } },
      defaults: { stagingQuotaBytes: 2048 * MiB, maxUnfinishedUploads: 10 },
    });
    expect(await auditOf(partner.organisation.id, "organisation.staging_limits")).toEqual([
      expect.objectContaining({
        actorUserId: admin.user.id,
        result: "success",
        detail: { before: { stagingQuotaBytes: null, maxUnfinishedUploads: null }, after: { stagingQuotaBytes: 512 * MiB, maxUnfinishedUploads: null } },
      }),
    ]);

    for (const bad of [{ stagingQuotaMib: "0" }, { stagingQuotaMib: "1.5" }, { stagingQuotaMib: "lots" }, { maxUnfinishedUploads: "-1" }, { maxUnfinishedUploads: "10001" }]) {
      const result = await callAction(setStagingLimitsAction, admin.actor.sessionId, { organisationId: partner.organisation.id, stagingQuotaMib: "", maxUnfinishedUploads: "", ...bad });
      expect(result.status, JSON.stringify(bad)).toBe("error");
      expect(Object.values(result.fieldErrors ?? {}).join(" ")).toMatch(/whole number from 1 to/);
    }
    const refused = new ForbiddenError().message;
    for (const sessionId of [support.actor.sessionId, partner.actor.sessionId]) {
      expect(await callAction(setStagingLimitsAction, sessionId, { organisationId: partner.organisation.id, stagingQuotaMib: "1", maxUnfinishedUploads: "1" })).toMatchObject({ status: "error", message: refused });
    }
    await expect(setStagingLimits(support.actor, partner.organisation.id, { stagingQuotaMib: 1, maxUnfinishedUploads: 1 })).rejects.toBeInstanceOf(ForbiddenError);

    // Back to the defaults.
    expect((await callAction(setStagingLimitsAction, admin.actor.sessionId, { organisationId: partner.organisation.id, stagingQuotaMib: " ", maxUnfinishedUploads: "" })).status).toBe("ok");
    const [reset] = await db.select().from(organisations).where(eq(organisations.id, partner.organisation.id));
    expect(reset).toMatchObject({ stagingQuotaBytes: null, maxUnfinishedUploads: null });
  });
});
