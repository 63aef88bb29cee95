import { describe, expect, it, beforeAll } from "vitest";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts, transfers } from "@/db/schema";
import { listTransfers, transferFilterSchema } from "@/lib/transfers/history/list";
import { replaceRuntimeParts } from "@/lib/runtime";
import { acceptStagedFile, confirmDuplicate } from "@/lib/transfers/intake/accept";
import { checkNameAndSize, suggestName } from "@/lib/transfers/intake/checks";
import { newStagingKey, sha256OfStagedFile, stagingPath, writeStagedFile } from "@/lib/transfers/staging/files";
import { NotFoundError } from "@/lib/errors";
import { partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import fs from "node:fs";
import { eq, sql } from "drizzle-orm";

useTemporaryPortalEnv();
withTestDatabase();
const queued: string[] = [];
beforeAll(() => replaceRuntimeParts({ relayQueue: { enqueue: async (id) => void queued.push(id) } }));

const RULE = "^S[A-Z0-9]+-[0-9]{8}-[0-9]{6}[PT]\\.TXT$";
const x12 = (sender: string, usage: "T" | "P") =>
  `ISA*00*          *00*          *ZZ*${sender.padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*${usage}*:~GS*HC*X*Y~ST*837*0001~SE*2*0001~GE*1*1~IEA*1*000000001~`;

async function setup(x12Policy: "block" | "warn" = "block") {
  const partner = await partnerIn();
  const db = await getDb();
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Payer ${Math.random()}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password", filenamePattern: RULE, filenameExample: "S000000050A49-20121210-103412P.TXT", maxFileBytes: 1024 * 1024, x12Policy })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: "clinic" }).returning();
  return { ...partner, destination, account };
}

async function stage(content: string) {
  const key = newStagingKey();
  await writeStagedFile(key, content);
  return { key, size: Buffer.byteLength(content), sha256: await sha256OfStagedFile(key) };
}

describe("checks before relaying", () => {
  it("offers a corrected name that fits the destination's rule", async () => {
    const { destination, organisation } = await setup();
    const findings = checkNameAndSize({ destination, organisation, mode: "test", name: "claims batch.txt", size: 10 }, new Date("2026-11-21T10:30:12Z"));
    expect(findings.map((f) => f.code)).toEqual(["UNSAFE_NAME", "FILENAME_RULE"]);
    const suggestion = findings[1].suggestion!;
    expect(suggestion).toBe(`S${organisation.submitterId}-20261121-103012T.TXT`);
    expect(new RegExp(RULE).test(suggestion)).toBe(true);
    expect(suggestName(new RegExp(RULE), "s000000050a49-20121210-103412p.txt", { submitterId: "1", mode: "production", now: new Date() })).toBe("S000000050A49-20121210-103412P.TXT");
  });

  it("refuses empty and oversized files with what to do", async () => {
    const { destination, organisation } = await setup();
    const name = "S000000050A49-20121210-103412P.TXT";
    expect(checkNameAndSize({ destination, organisation, mode: "production", name, size: 0 })[0].message).toMatch(/empty/);
    expect(checkNameAndSize({ destination, organisation, mode: "production", name, size: 5 * 1024 * 1024 })[0].message).toMatch(/at most 1 MiB.*Split/);
  });
});

describe("accepting a staged file", () => {
  it("queues a clean X12 file and blocks envelope problems when the destination says so", async () => {
    const { actor, account, organisation } = await setup("block");
    const good = await stage(x12(organisation.submitterId, "P"));
    const accepted = await acceptStagedFile(actor, { accountId: account.id, mode: "production", originalName: "S000000050A49-20261121-103412P.TXT", stagingKey: good.key, size: good.size, sha256: good.sha256, kind: "upload" });
    expect(accepted.outcome).toBe("queued");
    expect(queued).toContain(accepted.transfer!.id);
    expect(accepted.transfer).toMatchObject({ status: "queued", sha256: good.sha256, sizeBytes: good.size });

    const wrong = await stage(x12("SOMEONEELSE", "T"));
    const blocked = await acceptStagedFile(actor, { accountId: account.id, mode: "production", originalName: "S000000050A49-20261121-103413P.TXT", stagingKey: wrong.key, size: wrong.size, sha256: wrong.sha256, kind: "api" });
    expect(blocked.outcome).toBe("rejected");
    expect(blocked.findings.map((f) => f.code).sort()).toEqual(["X12_MODE_MISMATCH", "X12_SENDER_MISMATCH"]);
    expect(fs.existsSync(stagingPath(wrong.key))).toBe(false);
  });

  it("with the destination set to warn, holds a sender mismatch for the partner's decision instead of sending it", async () => {
    const { actor, account } = await setup("warn");
    const file = await stage(x12("SOMEONEELSE", "P"));
    const result = await acceptStagedFile(actor, { accountId: account.id, mode: "production", originalName: "S000000050A49-20261121-103414P.TXT", stagingKey: file.key, size: file.size, sha256: file.sha256, kind: "upload" });
    expect(result.outcome).toBe("awaiting_confirmation");
    expect(queued).not.toContain(result.transfer!.id);
    expect(result.transfer!.checks.map((c) => [c.code, c.severity])).toEqual([["X12_SENDER_MISMATCH", "confirm"]]);
  });

  it("asks before sending a file identical to one delivered in the last 30 days", async () => {
    const { actor, account, organisation } = await setup();
    const content = x12(organisation.submitterId, "P");
    const first = await stage(content);
    const sent = await acceptStagedFile(actor, { accountId: account.id, mode: "production", originalName: "S000000050A49-20261121-103415P.TXT", stagingKey: first.key, size: first.size, sha256: first.sha256, kind: "upload" });
    const db = await getDb();
    await db.update(transfers).set({ status: "delivered", deliveredAt: new Date() }).where(eq(transfers.id, sent.transfer!.id));
    const again = await stage(content);
    const duplicate = await acceptStagedFile(actor, { accountId: account.id, mode: "production", originalName: "S000000050A49-20261121-103416P.TXT", stagingKey: again.key, size: again.size, sha256: again.sha256, kind: "upload" });
    expect(duplicate.outcome).toBe("awaiting_confirmation");
    expect(duplicate.findings[0].message).toMatch(/same file .* delivered on \d{4}-\d{2}-\d{2}/);
    const confirmed = await confirmDuplicate(actor, duplicate.transfer!.id, true);
    expect(confirmed.status).toBe("queued");
    await expect(confirmDuplicate(actor, duplicate.transfer!.id, true)).rejects.toThrow(/not waiting/);
  });

  it("another organisation cannot send with an account, nor see its transfers", async () => {
    const { actor, account, organisation } = await setup();
    const other = await partnerIn();
    const file = await stage(x12(organisation.submitterId, "P"));
    await expect(acceptStagedFile(other.actor, { accountId: account.id, mode: "production", originalName: "S1-20261121-103417P.TXT", stagingKey: file.key, size: file.size, sha256: file.sha256, kind: "api" })).rejects.toBeInstanceOf(NotFoundError);
    const accepted = await acceptStagedFile(actor, { accountId: account.id, mode: "production", originalName: "S1-20261121-103417P.TXT", stagingKey: file.key, size: file.size, sha256: file.sha256, kind: "api" });
    const mine = await listTransfers(actor, transferFilterSchema.parse({}));
    const theirs = await listTransfers(other.actor, transferFilterSchema.parse({}));
    expect(mine.rows.map((r) => r.id)).toContain(accepted.transfer!.id);
    expect(theirs.rows.map((r) => r.id)).not.toContain(accepted.transfer!.id);
  });
});

describe("transfer history queries", () => {
  it("serves the file-name search from a trigram index on both engines", async () => {
    const db = await getDb();
    // One transaction, so the setting and the EXPLAIN share a connection; a tiny table would otherwise be scanned.
    const lines = await db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      const plan = await tx.execute(sql`EXPLAIN SELECT id FROM transfers WHERE original_name ILIKE ${"%20261121%"}`);
      return (plan as unknown as { rows: Array<Record<string, string>> }).rows.map((row) => Object.values(row)[0]).join("\n");
    });
    expect(lines).toContain("transfers_original_name_trgm_idx");
  });

  it("filters, sorts and pages with a cursor; hostile search text is just text", async () => {
    const { actor } = await staff("support");
    const { account, organisation } = await setup();
    const db = await getDb();
    const names = Array.from({ length: 7 }, (_, i) => `S${organisation.submitterId}-20261121-10000${i}P.TXT`);
    for (const [i, name] of names.entries()) {
      await db.insert(transfers).values({ organisationId: organisation.id, partnerAccountId: account.id, destinationId: account.destinationId, kind: "api", originalName: name, remoteName: name, sizeBytes: 100 + i, status: i % 2 ? "delivered" : "failed", createdAt: new Date(Date.now() - i * 60_000) });
    }
    const filter = transferFilterSchema.parse({ organisationId: organisation.id, limit: 3 });
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await listTransfers(actor, { ...filter, cursor });
      pages.push(page.rows.map((r) => r.originalName));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.flat()).toEqual(names);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect((await listTransfers(actor, transferFilterSchema.parse({ organisationId: organisation.id, status: "delivered" }))).rows).toHaveLength(3);
    expect((await listTransfers(actor, transferFilterSchema.parse({ organisationId: organisation.id, sort: "size", limit: 1 }))).rows[0].sizeBytes).toBe(106);
    expect((await listTransfers(actor, transferFilterSchema.parse({ q: "'; DROP TABLE transfers; --" }))).rows).toEqual([]);
    expect((await listTransfers(actor, transferFilterSchema.parse({ q: "%" }))).rows).toEqual([]);
    expect(transferFilterSchema.safeParse({ status: "delivered' OR 1=1" }).success).toBe(false);
  });
});
