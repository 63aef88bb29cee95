import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations } from "@/db/schema";
import { listTransferRows, SEARCH_WINDOW, transferPageQuery, type SearchPath } from "@/db/repositories/transfer-history";
import { createPartnerAccount } from "@/lib/partner-accounts/service";
import { listTransfers, transferFilterSchema } from "@/lib/transfers/history/list";
import { partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv();
withTestDatabase();

/**
 * The history's file-name search keeps its plans after ANALYZE (issue #18, point 3). File names
 * carry dates, so the files a search finds were uploaded together; when the statistics guess that
 * more than about 1% of names match, a free planner walks the upload-time index from the newest
 * transfer and filters names as it goes, through every newer row (at 1M transfers: 2 s for a month
 * four years back instead of 40 ms). The search now reads a bounded window of the nearest rows,
 * then every match through the trigram index (transfer-history.ts). Not timed: the plans
 * themselves are read with EXPLAIN.
 */

const ROWS = 100_000;
/** The oldest 3% of uploads: enough for ANALYZE's histogram to guess "many match", all at the far end of the walk. */
const ARCHIVED = 1_500;

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Plan Rows": number;
  "Index Cond"?: string;
  "Recheck Cond"?: string;
  Plans?: PlanNode[];
}

/** Every node with the nodes above it. */
function nodesOf(node: PlanNode, above: PlanNode[] = []): Array<{ node: PlanNode; above: PlanNode[] }> {
  return [{ node, above }, ...(node.Plans ?? []).flatMap((child) => nodesOf(child, [...above, node]))];
}

async function planOf(organisationId: string, q: string, sort: "newest" | "oldest" | "name", path: SearchPath) {
  const db = await getDb();
  const query = transferPageQuery(db, { organisationId, nameContains: q, sort, limit: 51 }, path);
  const explained = (await db.execute(sql`EXPLAIN (FORMAT JSON) ${query}`)) as unknown as { rows: Array<Record<string, unknown>> };
  const raw = Object.values(explained.rows[0])[0];
  const [{ Plan: plan }] = (typeof raw === "string" ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
  return nodesOf(plan);
}

/** The seeded name of row `g` (g = 1 is the newest upload). */
const nameOf = (g: number) => `${g > ROWS - ARCHIVED ? "archive-" : "batch-"}${g}.txt`;

/** The names that contain `q` (any case), newest (smallest g) first: what a search must return. */
function expectedNames(q: string, count: number): string[] {
  const names: string[] = [];
  for (let g = 1; g <= ROWS && names.length < count; g++) if (nameOf(g).toLowerCase().includes(q.toLowerCase())) names.push(nameOf(g));
  return names;
}

async function seed() {
  const { organisation, actor } = await partnerIn();
  const { actor: admin } = await staff("admin");
  const db = await getDb();
  const [destination] = await db.insert(destinations).values({ name: `Plan payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "127.0.0.1", port: 2222, auth: "password" }).returning();
  const account = await createPartnerAccount(admin, { organisationId: organisation.id, destinationId: destination.id, username: "planner", secretsSetBy: "admin" });
  await db.execute(sql`
    INSERT INTO transfers (organisation_id, partner_account_id, destination_id, kind, original_name, remote_name, size_bytes, status, created_at)
    SELECT ${organisation.id}::uuid, ${account.id}::uuid, ${destination.id}::uuid, 'upload', name, name, 1000 + g, 'delivered', now() - g * interval '1 minute'
      FROM generate_series(1, ${ROWS}::int) AS g,
           LATERAL (SELECT CASE WHEN g > ${ROWS - ARCHIVED}::int THEN 'archive-' ELSE 'batch-' END || g || '.txt' AS name) AS n`);
  await db.execute(sql`ANALYZE transfers`);
  return { actor, organisationId: organisation.id };
}

describe("file-name search plan", () => {
  it("walks the sort index only within the window, and finds the rest through the trigram index, after ANALYZE; pages are right either way", async () => {
    const { actor, organisationId } = await seed();
    // "archive" is searched with ILIKE, "-9850" (no letters) with LIKE: both through the trigram index.
    for (const [sort, q] of [["newest", "archive"], ["oldest", "archive"], ["name", "archive"], ["newest", "-9850"]] as const) {
      const matches = await planOf(organisationId, q, sort, "matches");
      const indexes = matches.flatMap(({ node }) => (node["Index Name"] ? [node["Index Name"]] : []));
      expect(indexes, `${sort}: ${JSON.stringify(indexes)}`).toContain("transfers_original_name_trgm_idx");
      expect(indexes.filter((name) => name.includes("created") || name.includes("org_name")), sort).toEqual([]);
      const operators = matches.flatMap(({ node }) => [node["Index Cond"], node["Recheck Cond"]]).filter((text) => text?.includes("original_name"));
      expect(operators.length, q).toBeGreaterThan(0);
      for (const text of operators) expect(text, q).toContain(q === "archive" ? "~~*" : "~~ ");
      // The window: any walk of a sort index sits under the window's limit.
      const window = await planOf(organisationId, q, sort, "window");
      const walks = window.filter(({ node }) => /created|org_name/.test(node["Index Name"] ?? ""));
      expect(walks.length, sort).toBeGreaterThan(0);
      for (const { above } of walks) expect(above.some((node) => node["Node Type"] === "Limit" && node["Plan Rows"] <= SEARCH_WINDOW), sort).toBe(true);
    }
    // Old matches only (none in the window): found through the index, newest first, and paged by cursor both ways.
    const filter = transferFilterSchema.parse({ q: "archive", limit: 3 });
    const first = await listTransfers(actor, filter);
    expect(first.rows.map((row) => row.originalName)).toEqual(["archive-98501.txt", "archive-98502.txt", "archive-98503.txt"]);
    const second = await listTransfers(actor, { ...filter, cursor: first.nextCursor });
    expect(second.rows.map((row) => row.originalName)).toEqual(["archive-98504.txt", "archive-98505.txt", "archive-98506.txt"]);
    expect((await listTransfers(actor, { ...filter, cursor: second.previousCursor })).rows).toEqual(first.rows);
    // Letters in any case still match names in any case; a search without letters (digits and
    // punctuation, matched with LIKE) finds the same names, old ones included.
    for (const q of ["ARCHIVE-9850", "Archive-985", "-9850", "98.", "0-1"]) {
      const page = await listTransfers(actor, transferFilterSchema.parse({ q, limit: 20 }));
      expect(page.rows.map((row) => row.originalName), q).toEqual(expectedNames(q, 20));
    }
    // A page's worth in the window ("batch-1": 1, 10–19, 100–138 …), and a few in it with the rest beyond ("-199").
    for (const q of ["batch-1", "-199"]) {
      const page = await listTransfers(actor, transferFilterSchema.parse({ q, limit: 50 }));
      expect(page.rows.map((row) => row.originalName), q).toEqual(expectedNames(q, 50));
      const next = await listTransfers(actor, transferFilterSchema.parse({ q, limit: 50, cursor: page.nextCursor }));
      expect(next.rows.map((row) => row.originalName), q).toEqual(expectedNames(q, 100).slice(50));
    }
    // The search turns enable_seqscan off for its own statement only: afterwards it is as it was,
    // after a transaction of its own and inside a caller's (a savepoint keeps a local setting).
    const db = await getDb();
    const seqscan = async (executor: Pick<typeof db, "execute">) => ((await executor.execute(sql`SHOW enable_seqscan`)) as unknown as { rows: Array<{ enable_seqscan: string }> }).rows[0].enable_seqscan;
    await listTransfers(actor, transferFilterSchema.parse({ q: "archive", limit: 3 }));
    expect(await seqscan(db)).toBe("on");
    for (const before of ["on", "off"]) {
      await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT set_config('enable_seqscan', ${before}, true)`);
        const rows = await listTransferRows(tx, { organisationId, nameContains: "archive", sort: "newest", limit: 3 });
        expect(rows.map((row) => row.originalName)).toEqual(["archive-98501.txt", "archive-98502.txt", "archive-98503.txt"]);
        expect(await seqscan(tx), before).toBe(before);
      });
    }
  });
});
