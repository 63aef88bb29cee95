import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, transfers } from "@/db/schema";
import { countAuditEvents, listAuditEvents, recordAudit } from "@/lib/audit/log";
import { listOrganisationsPage, searchOrganisations } from "@/lib/organisations/service";
import { createPartnerAccount, listPartnerAccounts } from "@/lib/partner-accounts/service";
import { countAccountStatuses, listAccountStatuses } from "@/lib/partner-accounts/status";
import { countTransferRows } from "@/db/repositories/transfer-history";
import { countTransfers, listTransfers, transferFilterSchema } from "@/lib/transfers/history/list";
import { transferStats } from "@/lib/transfers/history/stats";
import { createOrganisation, createUser, partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv();
withTestDatabase();

/** Sorting and paging behind the admin, support and partner lists (issue #17, point 7). */

describe("organisation list", () => {
  it("counts each organisation's users (it showed 0 for organisations with users)", async () => {
    const { actor: admin } = await staff("admin");
    const tag = `Count ${crypto.randomUUID().slice(0, 6)}`;
    const two = await createOrganisation("approved", `${tag} two`);
    const none = await createOrganisation("approved", `${tag} none`);
    await createUser({ role: "partner", organisationId: two.id });
    await createUser({ role: "partner", organisationId: two.id });
    const found = await searchOrganisations(admin, tag);
    expect(Object.fromEntries(found.map((o) => [o.name, o.userCount]))).toEqual({ [`${tag} two`]: 2, [`${tag} none`]: 0 });
    expect(none.id).toBeDefined();
  });

  it("sorts by a whitelisted column either way and pages with a total", async () => {
    const { actor: support } = await staff("support");
    const tag = `Sort ${crypto.randomUUID().slice(0, 6)}`;
    for (const [name, users] of [["b", 1], ["a", 3], ["c", 0]] as const) {
      const organisation = await createOrganisation("approved", `${tag} ${name}`);
      for (let i = 0; i < users; i++) await createUser({ role: "partner", organisationId: organisation.id });
    }
    const names = async (sort: "name" | "users", direction: "asc" | "desc") => (await listOrganisationsPage(support, { search: tag, sort, direction, page: 1, pageSize: 10 })).rows.map((o) => o.name.slice(-1));
    expect(await names("name", "asc")).toEqual(["a", "b", "c"]);
    expect(await names("name", "desc")).toEqual(["c", "b", "a"]);
    expect(await names("users", "desc")).toEqual(["a", "b", "c"]);
    expect(await names("users", "asc")).toEqual(["c", "b", "a"]);
    const second = await listOrganisationsPage(support, { search: tag, sort: "name", direction: "asc", page: 2, pageSize: 2 });
    expect(second.total).toBe(3);
    expect(second.rows.map((o) => o.name.slice(-1))).toEqual(["c"]);
  });

  it("is staff-only", async () => {
    const { actor: partner } = await partnerIn();
    await expect(listOrganisationsPage(partner, { sort: "name", direction: "asc", page: 1, pageSize: 10 })).rejects.toThrow();
  });
});

describe("audit log", () => {
  it("sorts by a column, pages by offset and counts what matches", async () => {
    const { actor: admin } = await staff("admin");
    const tag = `sorted-${crypto.randomUUID().slice(0, 6)}`;
    for (const [target, result] of [["b", "success"], ["a", "failure"], ["c", "denied"]] as const) {
      await recordAudit({ actor: admin, action: "test.sorting", target: `${tag}-${target}`, result });
    }
    const filter = { search: tag };
    expect(await countAuditEvents(admin, filter)).toBe(3);
    const targets = async (sort: "at" | "target" | "result", direction: "asc" | "desc", offset = 0, limit = 10) =>
      (await listAuditEvents(admin, { ...filter, sort, direction, offset, limit })).map((e) => e.target!.slice(-1));
    expect(await targets("at", "desc")).toEqual(["c", "a", "b"]);
    expect(await targets("at", "asc")).toEqual(["b", "a", "c"]);
    expect(await targets("target", "asc")).toEqual(["a", "b", "c"]);
    expect(await targets("target", "desc")).toEqual(["c", "b", "a"]);
    expect(await targets("target", "asc", 2, 2)).toEqual(["c"]);
    // The export's keyset paging is unchanged: newest first, older than an id.
    const all = await listAuditEvents(admin, { ...filter, limit: 10 });
    expect((await listAuditEvents(admin, { ...filter, beforeId: all[0].id, limit: 10 })).map((e) => e.target)).toEqual(all.slice(1).map((e) => e.target));
  });
});

describe("transfer history", () => {
  async function seed() {
    const { organisation, actor } = await partnerIn();
    const { actor: admin } = await staff("admin");
    const db = await getDb();
    const [destination] = await db.insert(destinations).values({ name: `Sort payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "127.0.0.1", port: 2222, auth: "password" }).returning();
    const account = await createPartnerAccount(admin, { organisationId: organisation.id, destinationId: destination.id, username: "sorter", secretsSetBy: "admin" });
    for (let i = 0; i < 7; i++) {
      await db.insert(transfers).values({
        organisationId: organisation.id,
        partnerAccountId: account.id,
        destinationId: destination.id,
        kind: "upload",
        originalName: `file-${i}.txt`,
        remoteName: `file-${i}.txt`,
        sizeBytes: 1000 * (i + 1),
        status: i === 0 ? "failed" : "delivered",
        lastErrorCode: i === 0 ? "AUTH_PASSWORD_REJECTED" : null,
        createdAt: new Date(Date.now() - i * 60_000),
      });
    }
    return { actor, admin, organisation, account };
  }

  it("sorts by name and size both ways", async () => {
    const { actor } = await seed();
    const names = async (sort: "name" | "name_desc" | "size" | "size_asc") => (await listTransfers(actor, transferFilterSchema.parse({ sort, limit: 3 }))).rows.map((r) => r.originalName);
    expect(await names("name")).toEqual(["file-0.txt", "file-1.txt", "file-2.txt"]);
    expect(await names("name_desc")).toEqual(["file-6.txt", "file-5.txt", "file-4.txt"]);
    expect(await names("size")).toEqual(["file-6.txt", "file-5.txt", "file-4.txt"]);
    expect(await names("size_asc")).toEqual(["file-0.txt", "file-1.txt", "file-2.txt"]);
  });

  it("pages forwards and back with cursors, and counts every match", async () => {
    const { actor } = await seed();
    const filter = transferFilterSchema.parse({ sort: "name", limit: 3 });
    expect(await countTransfers(actor, filter)).toEqual({ count: 7, exact: true });
    // Past its cap the count stops reading: the page then says "more than" the cap.
    const { organisation } = await partnerIn();
    expect(await countTransferRows(await getDb(), { organisationId: actor.organisationId! }, 5)).toBe(6);
    expect(await countTransferRows(await getDb(), { organisationId: actor.organisationId! }, 7)).toBe(7);
    expect(await countTransferRows(await getDb(), { organisationId: organisation.id }, 5)).toBe(0);
    const first = await listTransfers(actor, filter);
    expect(first.previousCursor).toBeUndefined();
    const second = await listTransfers(actor, { ...filter, cursor: first.nextCursor });
    expect(second.rows.map((r) => r.originalName)).toEqual(["file-3.txt", "file-4.txt", "file-5.txt"]);
    const third = await listTransfers(actor, { ...filter, cursor: second.nextCursor });
    expect(third.rows.map((r) => r.originalName)).toEqual(["file-6.txt"]);
    expect(third.nextCursor).toBeUndefined();
    const backToSecond = await listTransfers(actor, { ...filter, cursor: third.previousCursor });
    expect(backToSecond.rows.map((r) => r.originalName)).toEqual(["file-3.txt", "file-4.txt", "file-5.txt"]);
    expect(backToSecond.nextCursor).toBeDefined();
    const backToFirst = await listTransfers(actor, { ...filter, cursor: backToSecond.previousCursor });
    expect(backToFirst.rows.map((r) => r.originalName)).toEqual(["file-0.txt", "file-1.txt", "file-2.txt"]);
    expect(backToFirst.previousCursor).toBeUndefined();
    expect(backToFirst.nextCursor).toBe(first.nextCursor);
  });

  it("pages back by upload time to exactly the page before, with upload times in microseconds (PostgreSQL keeps them; cursors carry milliseconds)", async () => {
    const { actor, organisation } = await seed();
    const db = await getDb();
    // Each upload time gets sub-millisecond digits, as now() gives them.
    await db.execute(sql`UPDATE transfers SET created_at = created_at + interval '456 microseconds' WHERE organisation_id = ${organisation.id}`);
    const filter = transferFilterSchema.parse({ sort: "newest", limit: 1 });
    const first = await listTransfers(actor, filter);
    const second = await listTransfers(actor, { ...filter, cursor: first.nextCursor });
    expect(second.rows.map((r) => r.originalName)).toEqual(["file-1.txt"]);
    const backToFirst = await listTransfers(actor, { ...filter, cursor: second.previousCursor });
    expect(backToFirst.rows.map((r) => r.originalName)).toEqual(first.rows.map((r) => r.originalName));
    const oldest = transferFilterSchema.parse({ sort: "oldest", limit: 2 });
    const page1 = await listTransfers(actor, oldest);
    const page2 = await listTransfers(actor, { ...oldest, cursor: page1.nextCursor });
    expect(page2.rows.map((r) => r.originalName)).toEqual(["file-4.txt", "file-3.txt"]);
    expect((await listTransfers(actor, { ...oldest, cursor: page2.previousCursor })).rows.map((r) => r.originalName)).toEqual(["file-6.txt", "file-5.txt"]);
  });

  it("starts from the first page for a hand-made cursor whose upload time is no real time (02-30 is not rolled over into March)", async () => {
    const { actor } = await seed();
    const filter = transferFilterSchema.parse({ sort: "newest", limit: 2 });
    const cursor = Buffer.from(JSON.stringify({ v: "2026-02-30T10:00:00.123456Z", id: crypto.randomUUID() })).toString("base64url");
    const page = await listTransfers(actor, { ...filter, cursor });
    expect(page.rows.map((r) => r.originalName)).toEqual(["file-0.txt", "file-1.txt"]);
  });

  it("stats: one organisation's for staff, failure causes with their guides, nothing for an organisation without transfers", async () => {
    const { organisation, admin } = await seed();
    const stats = await transferStats(admin, 14, { organisationId: organisation.id });
    expect(stats.total).toBe(7);
    expect(stats.delivered).toBe(6);
    expect(stats.topFailures).toEqual([{ code: "AUTH_PASSWORD_REJECTED", count: 1, guide: { slug: expect.any(String), title: expect.any(String) } }]);
    const empty = await createOrganisation("approved");
    expect((await transferStats(admin, 14, { organisationId: empty.id })).total).toBe(0);
  });
});

describe("account status", () => {
  it("sorts by a whitelisted column and says when a destination uses no key", async () => {
    const { actor: admin } = await staff("admin");
    const { organisation } = await partnerIn();
    const db = await getDb();
    const suffix = crypto.randomUUID().slice(0, 6);
    const [ftps] = await db.insert(destinations).values({ name: `A FTPS ${suffix}`, protocol: "ftps_explicit", host: "127.0.0.1", port: 21, auth: "password" }).returning();
    const [sftp] = await db.insert(destinations).values({ name: `B SFTP ${suffix}`, protocol: "sftp", host: "127.0.0.1", port: 22, auth: "key" }).returning();
    await createPartnerAccount(admin, { organisationId: organisation.id, destinationId: ftps.id, username: "zeta", secretsSetBy: "admin" });
    await createPartnerAccount(admin, { organisationId: organisation.id, destinationId: sftp.id, username: "alpha", secretsSetBy: "admin" });
    const byUser = await listAccountStatuses(admin, { organisationId: organisation.id }, { sort: "user", direction: "asc" });
    expect(byUser.map((a) => a.username)).toEqual(["alpha", "zeta"]);
    const byDestinationDesc = await listAccountStatuses(admin, { organisationId: organisation.id }, { sort: "destination", direction: "desc" });
    expect(byDestinationDesc.map((a) => a.username)).toEqual(["alpha", "zeta"]);
    expect(Object.fromEntries(byUser.map((a) => [a.username, a.keyUsed]))).toEqual({ alpha: true, zeta: false });
  });

  it("pages with a total, and a partner counts only its own organisation's accounts", async () => {
    const { actor: admin } = await staff("admin");
    const { organisation, actor: partner } = await partnerIn();
    const db = await getDb();
    const suffix = crypto.randomUUID().slice(0, 6);
    for (const name of ["c", "a", "b"]) {
      const [destination] = await db.insert(destinations).values({ name: `${name} paged ${suffix}`, protocol: "sftp", host: "127.0.0.1", port: 22, auth: "password" }).returning();
      await createPartnerAccount(admin, { organisationId: organisation.id, destinationId: destination.id, username: `user-${name}`, secretsSetBy: "admin" });
    }
    const order = { sort: "destination", direction: "asc" } as const;
    const second = await listAccountStatuses(admin, { organisationId: organisation.id }, order, { offset: 2, limit: 2 });
    expect(second.map((a) => a.username)).toEqual(["user-c"]);
    expect(await countAccountStatuses(admin, { organisationId: organisation.id })).toBe(3);
    expect(await countAccountStatuses(partner)).toBe(3);
    expect(await countAccountStatuses(admin)).toBeGreaterThanOrEqual(3);
    // The pickup state is read for the accounts of one page only.
    const overviews = await listPartnerAccounts(admin, { accountIds: second.map((a) => a.accountId) });
    expect(overviews.map((o) => o.account.username)).toEqual(["user-c"]);
    expect(await listPartnerAccounts(admin, { accountIds: [] })).toEqual([]);
    const { actor: stranger } = await partnerIn();
    expect(await countAccountStatuses(stranger)).toBe(0);
    await expect(countAccountStatuses(stranger, { organisationId: organisation.id })).rejects.toThrow();
  });
});
