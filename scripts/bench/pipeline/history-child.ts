/**
 * The history query at scale, in its own process: a fresh database (migrated by the portal's own
 * migrations), one partner organisation with `rows` transfers spread over a year, then the
 * history page's typical queries through `listTransfers`, each timed `runs` times.
 * Run by history.ts, not by hand.
 */
import { performance } from "node:perf_hooks";
import type { DatabaseHandle } from "@/db/client";
import { startRuntime } from "@/lib/runtime/start";
import type { Actor } from "@/lib/auth/actor";
import { countTransfers, listTransfers, transferFilterSchema, type TransferFilter } from "@/lib/transfers/history/list";
import { destinations, organisations, partnerAccounts, users } from "@/db/schema";
import { vacuumAllTables } from "@/lib/database-maintenance/vacuum";
import { readJob, reportResult, runChildMain } from "../shared/child-job";
import type { HistoryJob, HistoryQueryResult, HistoryResult } from "./history-protocol";
import { percentile } from "../shared/stats";

const SEED_BATCH = 10_000;
const WARMUP_RUNS = 5;
/** How far the "deep page" is from the newest transfer, in rows. */
const DEEP_OFFSET = 20_000;

interface Fixture {
  organisationId: string;
  accounts: Array<{ id: string; destinationId: string }>;
  partner: Actor;
  support: Actor;
}

function actor(userId: string, role: Actor["role"], organisationId: string | null): Actor {
  return {
    userId,
    email: `${role}@bench.example`,
    name: `Bench ${role}`,
    role,
    organisationId,
    organisationStatus: organisationId ? "approved" : null,
    isOrgAdmin: false,
    sessionId: "bench",
    reauthenticatedAt: new Date(),
    ip: "127.0.0.1",
  };
}

async function createFixture(handle: DatabaseHandle): Promise<Fixture> {
  const [organisation] = await handle.db
    .insert(organisations)
    .values({ name: "Bench Clearinghouse", submitterId: "000000077", status: "approved", decidedAt: new Date(), contactName: "Bench", contactEmail: "bench@bench.example", contactPhone: "+1 555 0100" })
    .returning();
  const accounts: Fixture["accounts"] = [];
  for (const protocol of ["sftp", "ftps_explicit"] as const) {
    const [destination] = await handle.db
      .insert(destinations)
      .values({ name: `Bench payer (${protocol})`, protocol, host: "payer.bench.example", port: protocol === "sftp" ? 22 : 21, auth: "password" })
      .returning();
    const [account] = await handle.db.insert(partnerAccounts).values({ organisationId: organisation.id, destinationId: destination.id, username: "bench" }).returning();
    accounts.push({ id: account.id, destinationId: destination.id });
  }
  const [partner] = await handle.db.insert(users).values({ email: "partner@bench.example", name: "Bench partner", role: "partner", organisationId: organisation.id }).returning();
  const [support] = await handle.db.insert(users).values({ email: "support@bench.example", name: "Bench support", role: "support" }).returning();
  return { organisationId: organisation.id, accounts, partner: actor(partner.id, "partner", organisation.id), support: actor(support.id, "support", null) };
}

/**
 * `rows` transfers, one every five minutes back from now: mostly delivered, 2% failed, 1% needing
 * attention, the newest few still queued; names follow the sandbox payer's rule (date and time).
 */
async function seedTransfers(handle: DatabaseHandle, fixture: Fixture, rows: number): Promise<void> {
  const [a, b] = fixture.accounts;
  for (let first = 1; first <= rows; first += SEED_BATCH) {
    const last = Math.min(rows, first + SEED_BATCH - 1);
    await handle.raw.query(
      `INSERT INTO transfers (organisation_id, partner_account_id, destination_id, kind, mode, original_name, remote_name,
                              size_bytes, sha256, status, attempt_count, created_at, updated_at, delivered_at, last_error_code)
       SELECT $1::uuid, CASE WHEN g % 2 = 0 THEN $2::uuid ELSE $4::uuid END, CASE WHEN g % 2 = 0 THEN $3::uuid ELSE $5::uuid END,
              CASE WHEN g % 3 = 0 THEN 'api' ELSE 'upload' END, CASE WHEN g % 10 = 0 THEN 'test' ELSE 'production' END,
              name, name, 1000 + (g * 7919) % 5000000, md5(g::text) || md5((g + 1)::text),
              (CASE WHEN g <= 5 THEN 'queued' WHEN g % 50 = 0 THEN 'failed' WHEN g % 100 = 1 THEN 'needs_attention' ELSE 'delivered' END)::transfer_status,
              1, at, at, CASE WHEN g > 5 AND g % 50 <> 0 AND g % 100 <> 1 THEN at + interval '20 seconds' END,
              CASE WHEN g % 50 = 0 THEN 'AUTH_PASSWORD_REJECTED' END
         FROM (SELECT g, now() - g * interval '5 minutes' AS at FROM generate_series($6::bigint, $7::bigint) AS g) AS s,
              LATERAL (SELECT 'S000000077-' || to_char(at AT TIME ZONE 'UTC', 'YYYYMMDD-HH24MISS') || CASE WHEN g % 10 = 0 THEN 'T' ELSE 'P' END || '.TXT' AS name) AS n`,
      [fixture.organisationId, a.id, a.destinationId, b.id, b.destinationId, first, last],
    );
  }
}

async function time(label: string, runs: number, query: () => Promise<{ rows: unknown[] }>): Promise<HistoryQueryResult> {
  let rowsReturned = 0;
  for (let i = 0; i < WARMUP_RUNS; i++) rowsReturned = (await query()).rows.length;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await query();
    samples.push(performance.now() - started);
  }
  return { label, rowsReturned, p50Ms: percentile(samples, 50), p95Ms: percentile(samples, 95), maxMs: Math.max(...samples) };
}

/** The cursor a partner holds after paging down `offset` rows (a multiple of 500), reached through listTransfers itself. */
async function cursorAt(partner: Actor, offset: number): Promise<string> {
  let cursor: string | undefined;
  for (let seen = 0; seen < offset; seen += 500) {
    const page = await listTransfers(partner, filter({ limit: 500, cursor }));
    if (!page.nextCursor) throw new Error(`only ${seen + page.rows.length} transfers: cannot page down to row ${offset}`);
    cursor = page.nextCursor;
  }
  return cursor!;
}

const filter = (input: Partial<Record<keyof TransferFilter, unknown>>): TransferFilter => transferFilterSchema.parse(input);

async function main(): Promise<void> {
  const job = readJob<HistoryJob>();
  const runtime = await startRuntime({ role: "script", database: { open: { databaseUrl: job.databaseUrl, pgliteDir: job.pgliteDir } }, migrate: true });
  const handle = runtime.database;
  try {
    const fixture = await createFixture(handle);
    const seedStarted = performance.now();
    await seedTransfers(handle, fixture, job.rows);
    const seedMs = performance.now() - seedStarted;
    // What autovacuum does on PostgreSQL after a bulk load (statistics, and the visibility map that
    // lets a count read the index alone); PGlite has no autovacuum, and the portal's nightly job
    // (lib/database-maintenance) does it there, table by table, as here.
    const vacuumed = await vacuumAllTables(handle);

    const { rows: middle } = await handle.raw.query<{ day: string }>(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYYMMDD') AS day FROM transfers ORDER BY created_at DESC OFFSET $1 LIMIT 1`,
      [Math.floor(job.rows / 2)],
    );
    const searchDay = middle[0]?.day ?? "20260101";
    const deepOffset = Math.max(500, Math.floor(Math.min(DEEP_OFFSET, job.rows / 2) / 500) * 500);
    const deepCursor = await cursorAt(fixture.partner, deepOffset);
    const { partner, support } = fixture;
    const total = (f: TransferFilter, who: Actor = partner) => async () => ({ rows: [await countTransfers(who, f)] });
    const searchMonth = searchDay.slice(0, 6);
    const queries: HistoryQueryResult[] = [];
    queries.push(await time("partner: first page (newest 50)", job.runs, () => listTransfers(partner, filter({}))));
    queries.push(await time("partner: the page's total (count, capped at 10,000)", job.runs, total(filter({}))));
    queries.push(await time("partner: oldest first", job.runs, () => listTransfers(partner, filter({ sort: "oldest" }))));
    queries.push(await time("partner: by name, A–Z", job.runs, () => listTransfers(partner, filter({ sort: "name" }))));
    queries.push(await time("partner: by size, largest first", job.runs, () => listTransfers(partner, filter({ sort: "size" }))));
    queries.push(await time("partner: status = failed", job.runs, () => listTransfers(partner, filter({ status: "failed" }))));
    queries.push(await time("partner: status = failed, total (count)", job.runs, total(filter({ status: "failed" }))));
    queries.push(await time(`partner: file name search "${searchDay}" (a day mid-history)`, job.runs, () => listTransfers(partner, filter({ q: searchDay }))));
    queries.push(await time(`partner: file name search "${searchDay}", total (count)`, job.runs, total(filter({ q: searchDay }))));
    queries.push(await time(`partner: file name search "${searchMonth}" (a month mid-history)`, job.runs, () => listTransfers(partner, filter({ q: searchMonth }))));
    queries.push(await time('partner: file name search "P.TXT" (90% of names match)', job.runs, () => listTransfers(partner, filter({ q: "P.TXT" }))));
    queries.push(await time('partner: file name search with no match ("X99")', job.runs, () => listTransfers(partner, filter({ q: "X99" }))));
    queries.push(await time(`partner: deep page (cursor after ${deepOffset.toLocaleString("en-US")} rows)`, job.runs, () => listTransfers(partner, filter({ cursor: deepCursor }))));
    queries.push(await time("support: first page, all organisations", job.runs, () => listTransfers(support, filter({}))));
    queries.push(await time("support: total, all organisations (count)", job.runs, total(filter({}), support)));
    const { rows: version } = await handle.raw.query<{ version: string }>("SELECT version()");
    const result: HistoryResult = { engine: job.engine, engineVersion: version[0].version.split(" on ")[0].split(",")[0], rows: job.rows, runs: job.runs, seedMs, vacuum: { totalMs: vacuumed.totalMs, slowestTable: vacuumed.slowest?.table ?? "-", slowestMs: vacuumed.slowest?.ms ?? 0 }, queries };
    await runtime.stop();
    reportResult(result);
  } catch (error) {
    await runtime.stop().catch(() => undefined);
    throw error;
  }
}

runChildMain(main);
