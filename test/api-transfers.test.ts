import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts, transfers } from "@/db/schema";
import { createApiToken, revokeApiToken } from "@/lib/api/tokens";
import { countRequest } from "@/lib/rate-limits/policies";
import { finishAttempt, startAttempt } from "@/lib/transfers/records";
import { systemActor } from "@/lib/auth/actor";
import { setUserDisabled } from "@/lib/organisations/users";
import { API_RATE_LIMIT } from "@/lib/api/authenticate";
import { errorSchema, transferDetailSchema, transferListSchema, transferSchema } from "@/lib/api/schemas";
import { replaceRuntimeParts } from "@/lib/runtime";
import { sha256OfStagedFile, stagingPath, stagingRoot } from "@/lib/transfers/staging/files";
import { Transcript } from "@/lib/transfers/transcript";
import { GET as listRoute, POST as createRoute, DELETE as deleteListRoute } from "@/app/api/v1/transfers/route";
import { GET as getRoute } from "@/app/api/v1/transfers/[id]/route";
import { POST as confirmRoute } from "@/app/api/v1/transfers/[id]/confirm/route";
import { GET as unknownRoute } from "@/app/api/v1/[...path]/route";
import { createUser, actorFor, partnerIn } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

const { dataDir } = useTemporaryPortalEnv();
withTestDatabase();

const queued: string[] = [];
// The returned function puts the test runtime's own relay queue back after the file.
beforeAll(() => replaceRuntimeParts({ relayQueue: { enqueue: async (id) => void queued.push(id) } }));
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const MAX_FILE_BYTES = 8 * MiB;
const RULE = "^CLM[0-9]{4}[PT]\\.TXT$";
const BASE = "http://portal.test/api/v1/transfers";

const x12 = (sender: string) =>
  `ISA*00*          *00*          *ZZ*${sender.padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*P*:~GS*HC*X*Y~ST*837*0001~SE*2*0001~GE*1*1~IEA*1*000000001~`;

/** A partner with a token and an account on a destination that enforces a name rule, a size limit and X12 checks. */
async function partnerWithToken() {
  const partner = await partnerIn();
  const db = await getDb();
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password", filenamePattern: RULE, filenameExample: "CLM0001P.TXT", maxFileBytes: MAX_FILE_BYTES, x12Policy: "block" })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: "clinic" }).returning();
  const { token, summary } = await createApiToken(partner.actor, { name: "test job" });
  return { ...partner, destination, account, token, tokenId: summary.id };
}

let fileNumber = 0;
const nextName = () => `CLM${String(++fileNumber).padStart(4, "0")}P.TXT`;

/**
 * A body produced on demand, chunk by chunk, that counts how much was pulled from it: a reader
 * that buffered or kept reading past a refusal would show up in `pulled`.
 */
function generatedBody(totalBytes: number, chunkBytes = 64 * 1024) {
  const hash = crypto.createHash("sha256");
  const state = { pulled: 0, sha256: () => hash.digest("hex") };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled >= totalBytes) return controller.close();
        const size = Math.min(chunkBytes, totalBytes - state.pulled);
        const chunk = Buffer.alloc(size, `line ${state.pulled} of a generated claim file\n`);
        hash.update(chunk);
        state.pulled += size;
        controller.enqueue(new Uint8Array(chunk));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

function post(token: string, headers: Record<string, string>, body: ReadableStream<Uint8Array> | string | null) {
  return createRoute(
    new Request(BASE, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "x-portal-client-ip": "198.51.100.7", ...headers },
      body,
      duplex: "half",
    } as RequestInit),
  );
}

const get = (token: string | null, url: string) => new Request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const getOne = (token: string | null, id: string) => getRoute(get(token, `${BASE}/${id}`), { params: Promise.resolve({ id }) });
const list = (token: string, query: string) => listRoute(get(token, `${BASE}?${query}`));

async function errorOf(response: Response) {
  expect(response.headers.get("content-type")).toContain("application/json");
  return errorSchema.parse(await response.json());
}

function stagedFiles(): string[] {
  const root = stagingRoot();
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function transferCount(organisationId: string) {
  const db = await getDb();
  return (await db.select({ id: transfers.id }).from(transfers).where(eq(transfers.organisationId, organisationId))).length;
}

describe("POST /api/v1/transfers", () => {
  it("streams a multi-MiB body to staging, hashes it on the way and queues the transfer", async () => {
    const a = await partnerWithToken();
    const body = generatedBody(6 * MiB + 123);
    const name = nextName();
    const response = await post(a.token, { "x-account-id": a.account.id, "x-filename": name, "x-transfer-mode": "production" }, body.stream);
    expect(response.status).toBe(202);
    const transfer = transferSchema.parse(await response.json());
    const sha256 = body.state.sha256();
    expect(transfer).toMatchObject({ status: "queued", kind: "api", mode: "production", fileName: name, size: 6 * MiB + 123, sha256, accountId: a.account.id, awaitingConfirmation: false });
    expect(response.headers.get("location")).toBe(`/api/v1/transfers/${transfer.id}`);
    expect(queued).toContain(transfer.id);

    const db = await getDb();
    const [row] = await db.select().from(transfers).where(eq(transfers.id, transfer.id));
    expect(row.uploadedBy).toBe(a.user.id);
    expect(row.uploaderIp).toBe("198.51.100.7");
    // Sealed on disk (PHI at rest): segments and their overhead, none of the plaintext; it reads back exactly.
    const staged = fs.readFileSync(stagingPath(row.stagingKey!));
    expect(staged.subarray(0, 7).toString("latin1")).toBe("EDISEAL");
    expect(staged.length).toBeGreaterThan(6 * MiB + 123);
    expect(crypto.createHash("sha256").update(staged).digest("hex")).not.toBe(sha256);
    expect(await sha256OfStagedFile(row.stagingKey!)).toBe(sha256);
  });

  it("stops reading at the destination's limit mid-stream: 413, nothing kept", async () => {
    const a = await partnerWithToken();
    const before = stagedFiles();
    const body = generatedBody(64 * MiB);
    const response = await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName() }, body.stream);
    expect(response.status).toBe(413);
    expect(response.headers.get("connection")).toBe("close");
    const answer = await errorOf(response);
    expect(answer.error.code).toBe("FILE_TOO_LARGE");
    expect(answer.error.message).toMatch(/8 MiB.*Split the batch/);
    expect(answer.findings?.map((f) => f.code)).toEqual(["TOO_LARGE"]);
    // Read a little past the limit (the chunk that crossed it plus stream buffers), not the 64 MiB.
    expect(body.state.pulled).toBeGreaterThan(MAX_FILE_BYTES);
    expect(body.state.pulled).toBeLessThan(MAX_FILE_BYTES + 2 * MiB);
    expect(stagedFiles()).toEqual(before);
    expect(await transferCount(a.organisation.id)).toBe(0);
  });

  it("refuses by Content-Length before reading a byte", async () => {
    const a = await partnerWithToken();
    const body = generatedBody(MAX_FILE_BYTES + 1);
    const response = await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName(), "content-length": String(MAX_FILE_BYTES + 1) }, body.stream);
    expect(response.status).toBe(413);
    const answer = await errorOf(response);
    expect(answer.findings?.map((f) => f.code)).toEqual(["TOO_LARGE"]);
    expect(body.state.pulled).toBe(0);
  });

  it("refuses a bad name before reading the body, with findings and a suggested name", async () => {
    const a = await partnerWithToken();
    const body = generatedBody(1024);
    const response = await post(a.token, { "x-account-id": a.account.id, "x-filename": encodeURIComponent("claims batch é.txt") }, body.stream);
    expect(response.status).toBe(422);
    const answer = await errorOf(response);
    expect(answer.error.code).toBe("FILE_REJECTED");
    expect(answer.error.message).toContain("nothing was sent");
    expect(answer.findings?.map((f) => f.code)).toEqual(["UNSAFE_NAME", "FILENAME_RULE"]);
    // The header was percent-decoded: the suggestion is built from "claims batch é.txt".
    expect(answer.findings?.[0].suggestion).toMatch(/^claims_batch_e_?\.txt$/);
    expect(body.state.pulled).toBe(0);
    expect(await transferCount(a.organisation.id)).toBe(0);
  });

  it("runs the content checks once staged: a blocking X12 problem is 422 and the bytes are removed", async () => {
    const a = await partnerWithToken();
    const before = stagedFiles();
    const response = await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName() }, x12("SOMEONEELSE"));
    expect(response.status).toBe(422);
    const answer = await errorOf(response);
    expect(answer.findings?.find((f) => f.code === "X12_SENDER_MISMATCH")?.message).toContain(a.organisation.submitterId);
    expect(stagedFiles()).toEqual(before);
    expect(await transferCount(a.organisation.id)).toBe(0);
  });

  it("holds a duplicate of a delivered file until X-Confirm-Duplicate: true", async () => {
    const a = await partnerWithToken();
    const content = `claim batch ${crypto.randomUUID()}\n`;
    const first = transferSchema.parse(await (await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName() }, content)).json());
    const db = await getDb();
    await db.update(transfers).set({ status: "delivered", deliveredAt: new Date() }).where(eq(transfers.id, first.id));

    const again = await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName() }, content);
    expect(again.status).toBe(202);
    const held = transferSchema.parse(await again.json());
    expect(held).toMatchObject({ status: "received", awaitingConfirmation: true, sha256: first.sha256 });
    expect(held.findings).toEqual([expect.objectContaining({ code: "DUPLICATE", severity: "confirm" })]);
    expect(queued).not.toContain(held.id);

    const confirmed = await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName(), "x-confirm-duplicate": "true" }, content);
    expect(confirmed.status).toBe(202);
    const sent = transferSchema.parse(await confirmed.json());
    expect(sent).toMatchObject({ status: "queued", awaitingConfirmation: false });
    expect(queued).toContain(sent.id);
  });

  it("sends or drops a held duplicate through POST /transfers/{id}/confirm, without uploading it again", async () => {
    const a = await partnerWithToken();
    const b = await partnerWithToken();
    const content = `claim batch ${crypto.randomUUID()}\n`;
    const first = transferSchema.parse(await (await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName() }, content)).json());
    const db = await getDb();
    await db.update(transfers).set({ status: "delivered", deliveredAt: new Date() }).where(eq(transfers.id, first.id));
    const hold = async () => transferSchema.parse(await (await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName() }, content)).json());
    const confirm = (token: string, id: string, body: string) =>
      confirmRoute(new Request(`${BASE}/${id}/confirm`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body }), {
        params: Promise.resolve({ id }),
      });

    const held = await hold();
    expect(held.awaitingConfirmation).toBe(true);
    // Another organisation's token sees no such transfer; a bad body names the two decisions.
    expect((await confirm(b.token, held.id, '{"decision":"send"}')).status).toBe(404);
    const bad = await confirm(a.token, held.id, '{"decision":"maybe"}');
    expect(bad.status).toBe(400);
    expect(errorSchema.parse(await bad.json()).error.message).toMatch(/send.*cancel/);

    const sent = await confirm(a.token, held.id, '{"decision":"send"}');
    expect(sent.status).toBe(200);
    expect(transferSchema.parse(await sent.json())).toMatchObject({ id: held.id, status: "queued", awaitingConfirmation: false });
    expect(queued).toContain(held.id);
    expect((await confirm(a.token, held.id, '{"decision":"send"}')).status).toBe(422);

    const dropped = await hold();
    const cancelled = await confirm(a.token, dropped.id, '{"decision":"cancel"}');
    expect(transferSchema.parse(await cancelled.json())).toMatchObject({ status: "failed", awaitingConfirmation: false });
    expect(queued).not.toContain(dropped.id);
  });

  it("decodes a percent-encoded X-Filename", async () => {
    const a = await partnerWithToken();
    const response = await post(a.token, { "x-account-id": a.account.id, "x-filename": "CLM%39%39%39%39T.TXT", "x-transfer-mode": "test" }, "plain text claim\n");
    expect(response.status).toBe(202);
    expect(transferSchema.parse(await response.json())).toMatchObject({ fileName: "CLM9999T.TXT", mode: "test" });
  });

  it("answers malformed requests with 400/404/415 and a message naming the fix", async () => {
    const a = await partnerWithToken();
    const b = await partnerWithToken();
    const missing = await errorOf(await post(a.token, {}, "x"));
    expect(missing.error.code).toBe("INVALID_REQUEST");
    expect(missing.error.message).toContain("X-Account-Id");
    expect(missing.error.message).toContain("X-Filename");

    const badMode = await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName(), "x-transfer-mode": "live" }, "x");
    expect(badMode.status).toBe(400);
    expect((await errorOf(badMode)).error.message).toContain("test or production");

    const badEncoding = await post(a.token, { "x-account-id": a.account.id, "x-filename": "CLM%E0%A4%A.TXT" }, "x");
    expect(badEncoding.status).toBe(400);
    expect((await errorOf(badEncoding)).error.message).toContain("percent-encoding");

    const multipart = await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName(), "content-type": "multipart/form-data; boundary=x" }, "x");
    expect(multipart.status).toBe(415);
    expect((await errorOf(multipart)).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");

    // Another organisation's account looks like no account at all.
    const foreign = await post(a.token, { "x-account-id": b.account.id, "x-filename": nextName() }, "x");
    const unknown = await post(a.token, { "x-account-id": crypto.randomUUID(), "x-filename": nextName() }, "x");
    expect([foreign.status, unknown.status]).toEqual([404, 404]);
    expect((await errorOf(foreign)).error.message).toBe((await errorOf(unknown)).error.message);
    expect(await transferCount(b.organisation.id)).toBe(0);
  });
});

describe("authentication and rate limit", () => {
  it("401 without, with an unknown or with a revoked token, and when its user is disabled", async () => {
    const a = await partnerWithToken();
    const transfer = transferSchema.parse(await (await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName() }, "claim\n")).json());
    expect((await getOne(a.token, transfer.id)).status).toBe(200);

    const none = await getOne(null, transfer.id);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await errorOf(none)).error.message).toContain("Authorization: Bearer");
    expect((await getOne(`edi_${crypto.randomBytes(32).toString("base64url")}`, transfer.id)).status).toBe(401);

    await revokeApiToken(a.actor, a.tokenId);
    const revoked = await getOne(a.token, transfer.id);
    expect(revoked.status).toBe(401);
    expect((await errorOf(revoked)).error.code).toBe("UNAUTHENTICATED");

    const colleague = await createUser({ role: "partner", organisationId: a.organisation.id });
    const { token } = await createApiToken(await actorFor(colleague.id), { name: "colleague" });
    expect((await getOne(token, transfer.id)).status).toBe(200);
    await setUserDisabled(a.actor, colleague.id, true);
    expect((await getOne(token, transfer.id)).status).toBe(401);
  });

  it(`429 with Retry-After after ${API_RATE_LIMIT.max} requests a minute`, async () => {
    const a = await partnerWithToken();
    // The token's earlier requests this minute, counted exactly as the handler counts them.
    for (let i = 0; i < API_RATE_LIMIT.max; i++) await countRequest(["apiToken", a.tokenId]);
    const limited = await list(a.token, "");
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await errorOf(limited)).error.code).toBe("RATE_LIMITED");
    // Another token of the same user has its own budget.
    const other = await createApiToken(a.actor, { name: "other" });
    expect((await list(other.token, "")).status).toBe(200);
  });
});

describe("GET /api/v1/transfers/{id}", () => {
  it("returns the transfer with its attempts; another organisation's id is a plain 404", async () => {
    const a = await partnerWithToken();
    const b = await partnerWithToken();
    const created = transferSchema.parse(await (await post(a.token, { "x-account-id": a.account.id, "x-filename": nextName() }, "claim\n")).json());
    const attempt = await startAttempt(systemActor("relay-worker"), created.id);
    const transcript = new Transcript().redact("payer-Pa55word");
    transcript.add("auth", ">", "USER clinic PASS payer-Pa55word");
    transcript.add("auth", "<", "530 Login incorrect.");
    await finishAttempt(
      systemActor("relay-worker"),
      attempt,
      {
        bytes: 6,
        durationMs: 40,
        transcript: transcript.lines,
        error: { code: "AUTH_PASSWORD_REJECTED", message: "The payer refused the password.", detail: "internal server reply", transient: false },
      },
      "needs_attention",
    );

    const response = await getOne(a.token, created.id);
    expect(response.status).toBe(200);
    const detail = transferDetailSchema.parse(await response.json());
    expect(detail).toMatchObject({ id: created.id, status: "needs_attention", attemptCount: 1, destinationName: a.destination.name, lastError: { code: "AUTH_PASSWORD_REJECTED" } });
    expect(detail.attempts).toEqual([
      expect.objectContaining({ number: 1, bytes: 6, durationMs: 40, error: { code: "AUTH_PASSWORD_REJECTED", message: "The payer refused the password.", transient: false } }),
    ]);
    expect(detail.attempts[0].transcript.map((line) => line.message)).toEqual(["USER clinic PASS [redacted]", "530 Login incorrect."]);
    expect(JSON.stringify(detail)).not.toContain("payer-Pa55word");
    expect(JSON.stringify(detail)).not.toContain("internal server reply");

    const foreign = await getOne(b.token, created.id);
    const missing = await getOne(b.token, crypto.randomUUID());
    const malformed = await getOne(b.token, "not-an-id");
    expect([foreign.status, missing.status, malformed.status]).toEqual([404, 404, 404]);
    const messages = await Promise.all([foreign, missing, malformed].map(async (r) => (await errorOf(r)).error.message));
    expect(new Set(messages).size).toBe(1);
  });
});

describe("GET /api/v1/transfers", () => {
  it("lists only the organisation's transfers, filtered and paged like the history page", async () => {
    const a = await partnerWithToken();
    const b = await partnerWithToken();
    const names = [nextName(), nextName(), nextName()];
    for (const name of names) await post(a.token, { "x-account-id": a.account.id, "x-filename": name }, `claim ${name}\n`);
    await post(b.token, { "x-account-id": b.account.id, "x-filename": nextName() }, "theirs\n");

    const firstPage = transferListSchema.parse(await (await list(a.token, "limit=2&sort=name")).json());
    expect(firstPage.data.map((t) => t.fileName)).toEqual(names.slice(0, 2));
    expect(firstPage.nextCursor).toEqual(expect.any(String));
    const secondPage = transferListSchema.parse(await (await list(a.token, `limit=2&sort=name&cursor=${firstPage.nextCursor}`)).json());
    expect(secondPage.data.map((t) => t.fileName)).toEqual(names.slice(2));
    expect(secondPage.nextCursor).toBeNull();

    const filtered = transferListSchema.parse(await (await list(a.token, `q=${names[1].slice(0, 7)}&status=queued&destinationId=${a.destination.id}`)).json());
    expect(filtered.data.map((t) => t.fileName)).toEqual([names[1]]);
    const today = new Date().toISOString().slice(0, 10);
    expect(transferListSchema.parse(await (await list(a.token, `from=${today}&to=${today}`)).json()).data).toHaveLength(3);
    expect(transferListSchema.parse(await (await list(a.token, "to=2000-01-01")).json()).data).toHaveLength(0);
    // Another organisation's id in the filters changes nothing: a token sees only its own.
    expect(transferListSchema.parse(await (await list(a.token, `destinationId=${b.destination.id}`)).json()).data).toHaveLength(0);
  });

  it("answers invalid filters with 400 and zod's messages, never a 500", async () => {
    const a = await partnerWithToken();
    for (const [query, expected] of [
      ["limit=0", "limit"],
      ["limit=abc", "limit"],
      ["status=lost", "status"],
      ["from=21/11/2026", "Use a date like 2026-11-21."],
      ["destinationId=42", "destinationId"],
      ["sort=random", "sort"],
      ["organisationId=" + crypto.randomUUID(), "Unknown query parameter “organisationId”"],
      ["colour=blue", "Unknown query parameter “colour”"],
    ] as const) {
      const response = await list(a.token, query);
      expect(response.status, query).toBe(400);
      const answer = await errorOf(response);
      expect(answer.error.code).toBe("INVALID_REQUEST");
      expect(answer.error.message).toContain(expected);
    }
  });
});

describe("the API's edges", () => {
  it("answers unknown paths and unsupported methods in the JSON error shape", async () => {
    const unknown = await unknownRoute(new Request("http://portal.test/api/v1/nothing-here"), { params: Promise.resolve({ path: ["nothing-here"] }) });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).error.message).toContain("openapi.json");
    const wrongMethod = await deleteListRoute(new Request("http://portal.test/api/v1/transfers", { method: "DELETE" }));
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET, POST");
    expect((await errorOf(wrongMethod)).error.code).toBe("METHOD_NOT_ALLOWED");
  });
});
