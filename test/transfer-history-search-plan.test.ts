import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations } from "@/db/schema";
import { listTransferRows } from "@/db/repositories/transfer-history";
import { createPartnerAccount } from "@/lib/partner-accounts/service";
import { listTransfers, transferFilterSchema } from "@/lib/transfers/history/list";
import { partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv();
withTestDatabase();

/**
 * The history's file-name search keeps one plan after ANALYZE (issue #18, point 3). File names
 * carry dates, so the files a search finds were uploaded together; when the statistics guess that
 * more than about 1% of names match, a free planner walks the upload-time index from the newest
 * transfer and filters names as it goes, through every newer row (at 1M transfers: 2 s for a month
 * four years back instead of 40 ms). Not timed: the plan itself is read with EXPLAIN.
 */

const ROWS = 100_000;
/** The oldest 3% of uploads: enough for ANALYZE's histogram to guess "many match", all at the far end of the walk. */
const ARCHIVED = 1_500;

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
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
  it("finds matches through the trigram index and sorts them, never walking the upload-time index, after ANALYZE", async () => {
    const { actor, organisationId } = await seed();
    const db = await getDb();
    for (const sort of ["newest", "oldest", "name"] as const) {
      const query = listTransferRows(db, { organisationId, nameContains: "archive", sort, limit: 51 });
      const explained = (await db.execute(sql`EXPLAIN (FORMAT JSON) ${query}`)) as unknown as { rows: Array<Record<string, unknown>> };
      const raw = Object.values(explained.rows[0])[0];
      const [{ Plan: plan }] = (typeof raw === "string" ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
      const indexes = nodesOf(plan).flatMap((node) => (node["Index Name"] ? [node["Index Name"]] : []));
      expect(indexes, `${sort}: ${JSON.stringify(indexes)}`).toContain("transfers_original_name_trgm_idx");
      expect(indexes.filter((name) => name.includes("created")), sort).toEqual([]);
    }
    // And the page is still the right one: the newest archived uploads, then the next page by cursor.
    const filter = transferFilterSchema.parse({ q: "archive", limit: 3 });
    const first = await listTransfers(actor, filter);
    expect(first.rows.map((row) => row.originalName)).toEqual(["archive-98501.txt", "archive-98502.txt", "archive-98503.txt"]);
    const second = await listTransfers(actor, { ...filter, cursor: first.nextCursor });
    expect(second.rows.map((row) => row.originalName)).toEqual(["archive-98504.txt", "archive-98505.txt", "archive-98506.txt"]);
    expect((await listTransfers(actor, { ...filter, cursor: second.previousCursor })).rows).toEqual(first.rows);
  });
});
