import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { insertResponseFile, insertResponseLink, setLinkedCount } from "@/db/repositories/response-files";
import { insertTransfer } from "@/db/repositories/transfers";
import { destinations, partnerAccounts, type ResponseFileRow } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { NotFoundError } from "@/lib/errors";
import { getResponseFileDetail, listResponseFilesFor, payerResponseTimeline, rejectionsByReason } from "@/lib/responses/service";
import { storedSummary } from "@/lib/responses/summary";
import { writeStagedFile } from "@/lib/transfers/staging/files";
import { parseResponseFile, responseVerdict } from "@/lib/x12/parse-response";
import { claimTotalsOfFile, findingsOfFile, transactionSetsOfFile } from "@/app/responses/[id]/file-findings";
import { GET as downloadRoute } from "@/app/api/responses/[id]/download/route";
import { asSession } from "@/test/attack/support/boundary";
import { withTestDatabase } from "@/test/support/db";
import { partnerIn, staff } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

// The auth boundary only: which session row the request's cookie names. Everything after it is real.
vi.mock("@/lib/auth/auth", async (importOriginal) => {
  const { boundary } = await import("@/test/attack/support/boundary");
  const original = await importOriginal<typeof import("@/lib/auth/auth")>();
  return { ...original, auth: async () => (boundary.sessionId ? { sessionId: boundary.sessionId, user: {} } : null), signIn: async () => undefined, signOut: async () => undefined };
});
vi.mock("next/headers", async () => {
  const { boundary } = await import("@/test/attack/support/boundary");
  return {
    headers: async () => new Headers({ "x-portal-client-ip": boundary.ip }),
    cookies: async () => ({ get: () => undefined, getAll: () => [], has: () => false, set: () => undefined, delete: () => undefined }),
  };
});

useTemporaryPortalEnv();
withTestDatabase();

const FIXTURES = path.join(__dirname, "fixtures/x12");
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));

interface Org {
  actor: Actor;
  organisationId: string;
  accountId: string;
  destinationId: string;
  userId: string;
}

async function organisationWithAccount(label: string): Promise<Org> {
  const partner = await partnerIn();
  const db = await getDb();
  const [destination] = await db.insert(destinations).values({ name: `Payer ${label} ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password" }).returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: `clinic-${label}` }).returning();
  return { actor: partner.actor, organisationId: partner.organisation.id, accountId: account.id, destinationId: destination.id, userId: partner.user.id };
}

/** A payer file as the poll records it: the bytes in the staging store, the row read from them. */
async function payerFile(org: Org, name: string, bytes: Buffer, options: { summary?: Record<string, unknown>; kind?: ResponseFileRow["kind"] } = {}): Promise<ResponseFileRow> {
  const parsed = await parseResponseFile(bytes);
  const stagingKey = `responses/2026-12/${crypto.randomUUID()}`;
  await writeStagedFile(stagingKey, bytes);
  const row = await insertResponseFile(await getDb(), {
    organisationId: org.organisationId,
    partnerAccountId: org.accountId,
    destinationId: org.destinationId,
    remoteName: name,
    remoteSize: bytes.length,
    remoteModifiedAt: "2026-12-02T10:10:10Z",
    sha256: crypto.createHash("sha256").update(bytes).digest("hex"),
    stagingKey,
    kind: options.kind ?? parsed.kind,
    verdict: responseVerdict(parsed),
    unreadableReason: parsed.kind === "unreadable" ? parsed.reason : null,
    summary: options.summary ?? storedSummary(parsed),
  });
  if (!row) throw new Error("the file was not recorded");
  return row;
}

async function deliveredTransfer(org: Org, name: string) {
  return insertTransfer(await getDb(), {
    organisationId: org.organisationId,
    partnerAccountId: org.accountId,
    destinationId: org.destinationId,
    kind: "upload",
    mode: "production",
    originalName: name,
    remoteName: name,
    sizeBytes: 120,
    sha256: crypto.randomBytes(32).toString("hex"),
    stagingKey: null,
    uploadedBy: org.userId,
    uploaderIp: "198.51.100.7",
    status: "delivered",
  });
}

let a: Org;
let b: Org;
let support: Actor;
const files: Record<string, ResponseFileRow> = {};

beforeAll(async () => {
  a = await organisationWithAccount("a");
  b = await organisationWithAccount("b");
  support = (await staff("support")).actor;
  // Oldest first: the inbox lists newest first.
  files.ta1 = await payerFile(a, "S1-A.TA1", fixture("ta1-accepted.x12"));
  files.partial = await payerFile(a, "S2-A.999", fixture("999-partial.x12"));
  files.claims = await payerFile(a, "S3-A.277", fixture("277ca-mixed.x12"));
  files.remittance = await payerFile(a, "REMIT-A.835", Buffer.from("ISA*00*...~"), { kind: "other", summary: { kind: "other", interchanges: [], transactionSets: ["835"] } });
  files.foreign = await payerFile(b, "S1-B.999", fixture("999-rejected.x12"));
  await setLinkedCount(await getDb(), files.partial.id, 1);
});

const ids = (rows: Array<{ id: string }>) => rows.map((row) => row.id);

describe("payer files inbox (listResponseFilesFor)", () => {
  it("a partner sees their organisation's files only, newest first, even when asking for another organisation", async () => {
    const own = await listResponseFilesFor(a.actor, { limit: 50 });
    expect(ids(own.rows)).toEqual([files.remittance.id, files.claims.id, files.partial.id, files.ta1.id]);
    const aimed = await listResponseFilesFor(b.actor, { limit: 50, organisationId: a.organisationId });
    expect(ids(aimed.rows)).toEqual([files.foreign.id]);
  });

  it("support reads across organisations, or one organisation", async () => {
    expect(ids((await listResponseFilesFor(support, { limit: 50 })).rows)).toEqual(expect.arrayContaining([files.foreign.id, files.ta1.id]));
    const onlyB = await listResponseFilesFor(support, { limit: 50, organisationId: b.organisationId });
    expect(ids(onlyB.rows)).toEqual([files.foreign.id]);
  });

  it("filters by kind, verdict and whether the file is linked", async () => {
    expect(ids((await listResponseFilesFor(a.actor, { limit: 50, kind: "277CA" })).rows)).toEqual([files.claims.id]);
    expect(ids((await listResponseFilesFor(a.actor, { limit: 50, kind: "other" })).rows)).toEqual([files.remittance.id]);
    expect(ids((await listResponseFilesFor(a.actor, { limit: 50, verdict: "partially_accepted" })).rows)).toEqual(expect.arrayContaining([files.partial.id]));
    expect(ids((await listResponseFilesFor(a.actor, { limit: 50, verdict: "accepted" })).rows)).toEqual([files.ta1.id]);
    expect(ids((await listResponseFilesFor(a.actor, { limit: 50, linked: "yes" })).rows)).toEqual([files.partial.id]);
    expect(ids((await listResponseFilesFor(a.actor, { limit: 50, linked: "no" })).rows)).not.toContain(files.partial.id);
  });

  it("pages with a cursor: 'Older files' continues where the page ended, without repeats", async () => {
    const first = await listResponseFilesFor(a.actor, { limit: 3 });
    expect(first.rows).toHaveLength(3);
    expect(first.nextCursor).toBeDefined();
    const second = await listResponseFilesFor(a.actor, { limit: 3, cursor: first.nextCursor });
    expect(ids(second.rows)).toEqual([files.ta1.id]);
    expect(second.nextCursor).toBeUndefined();
    // A hand-made cursor starts from the first page rather than failing.
    expect(ids((await listResponseFilesFor(a.actor, { limit: 3, cursor: "not-a-cursor" })).rows)).toEqual(ids(first.rows));
  });

  it("another organisation's file is 'not found', like one that does not exist", async () => {
    await expect(getResponseFileDetail(b.actor, files.partial.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getResponseFileDetail(b.actor, crypto.randomUUID())).rejects.toBeInstanceOf(NotFoundError);
    expect((await getResponseFileDetail(a.actor, files.partial.id)).file).toMatchObject({ remoteName: "S2-A.999", available: true });
    expect("stagingKey" in (await getResponseFileDetail(a.actor, files.partial.id)).file).toBe(false);
  });
});

describe("a payer file explained (the /responses/[id] page's reading of the stored summary)", () => {
  it("a 999 that rejects a transaction set names the problem, the claim and the raw segments", async () => {
    const findings = findingsOfFile(files.partial.summary);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]).toMatchObject({ claim: "PCN-1003" });
    expect(findings[0].raw).toContain("IK3*SV1");
    expect(findings[0].sentence.length).toBeGreaterThan(20);
  });

  it("a 277CA lists each rejected claim, with the payer's totals", async () => {
    const findings = findingsOfFile(files.claims.summary);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((finding) => finding.raw.startsWith("STC"))).toBe(true);
    expect(claimTotalsOfFile(files.claims.summary)).toMatchObject({ rejected: expect.any(Number), accepted: expect.any(Number) });
  });

  it("an accepting TA1 has nothing to say; a file kept unread lists its transaction sets", async () => {
    expect(findingsOfFile(files.ta1.summary)).toEqual([]);
    expect(findingsOfFile(files.remittance.summary)).toEqual([]);
    expect(transactionSetsOfFile(files.remittance.summary)).toEqual(["835"]);
    expect(claimTotalsOfFile(files.ta1.summary)).toBeUndefined();
  });
});

describe("a transfer's payer response and the dashboards' rejections", () => {
  it("the timeline lists the answers linked to the transfer, for its own organisation only", async () => {
    const transfer = await deliveredTransfer(a, "S2-A.TXT");
    const finding = { sentence: "Claim PCN-1003: the procedure code is not valid.", raw: "IK3*SV1*21*2400*8~", claim: "PCN-1003", reason: "SV101-2: invalid code value" };
    await insertResponseLink(await getDb(), {
      responseFileId: files.partial.id,
      transferId: transfer.id,
      stage: "999",
      verdict: "partially_accepted",
      headline: "999: partially accepted — 1 of 2 transaction sets accepted",
      detail: { matchedBy: { group: "17" }, findings: [finding], reasons: [finding.reason] },
    });
    const timeline = await payerResponseTimeline(a.actor, transfer.id);
    expect(timeline).toEqual([expect.objectContaining({ responseFileId: files.partial.id, fileName: "S2-A.999", verdict: "partially_accepted", available: true, findings: [finding] })]);
    await expect(payerResponseTimeline(b.actor, transfer.id)).rejects.toBeInstanceOf(NotFoundError);

    const since = new Date(Date.now() - 30 * 24 * 60 * 60 * 1000);
    expect(await rejectionsByReason(a.actor, { since })).toEqual([{ reason: finding.reason, count: 1 }]);
    expect(await rejectionsByReason(b.actor, { since, organisationId: a.organisationId })).toEqual([]);
    expect(await rejectionsByReason(support, { since, organisationId: a.organisationId })).toEqual([{ reason: finding.reason, count: 1 }]);
  });
});

describe("GET /api/responses/[id]/download", () => {
  const download = (sessionId: string | null, id: string) =>
    asSession(sessionId, () => downloadRoute(new NextRequest(`http://portal.test/api/responses/${id}/download`, { headers: { "x-portal-client-ip": "203.0.113.7" } }), { params: Promise.resolve({ id }) }));

  it("hands a partner their organisation's file as an attachment, byte for byte", async () => {
    const response = await download(a.actor.sessionId, files.partial.id);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="S2-A\.999"/);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(fixture("999-partial.x12"))).toBe(true);
    expect(response.headers.get("content-length")).toBe(String(body.length));
  });

  it("support may download any organisation's file", async () => {
    const response = await download(support.sessionId, files.foreign.id);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(fixture("999-rejected.x12"))).toBe(true);
  });

  it("another organisation's file, an unknown id and a malformed id are all 'not found'", async () => {
    const answers = [await download(b.actor.sessionId, files.partial.id), await download(b.actor.sessionId, crypto.randomUUID()), await download(b.actor.sessionId, "../../etc/passwd")];
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(answer.headers.get("content-disposition")).toBeNull();
      const body = await answer.text();
      expect(body).not.toContain("S2-A");
      expect(JSON.parse(body)).toMatchObject({ error: { code: "NOT_FOUND" } });
    }
    expect(answers[0].headers.get("content-type") ?? "").toMatch(/json/);
  });

  it("without a session the download is refused", async () => {
    const response = await download(null, files.partial.id);
    expect(response.status).toBe(401);
  });
});
