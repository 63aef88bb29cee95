import { like } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { listAuditEvents, recordAudit } from "@/lib/audit/log";
import { searchOrganisations } from "@/lib/organisations/service";
import { listTransfers, transferFilterSchema } from "@/lib/transfers/history/list";
import { searchGuides } from "@/lib/guides/search";
import { parseTransferFilter } from "@/lib/transfers/history/filter-params";
import { GET as exportRoute } from "@/app/api/transfers/export/route";
import { GET as apiListRoute } from "@/app/api/v1/transfers/route";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { asSession } from "@/test/attack/support/boundary";
import { buildWorld, type World } from "@/test/attack/support/world";

vi.mock("@/lib/auth/auth", async (importOriginal) => {
  const { boundary } = await import("@/test/attack/support/boundary");
  const original = await importOriginal<typeof import("@/lib/auth/auth")>();
  return { ...original, auth: async () => (boundary.sessionId ? { sessionId: boundary.sessionId, user: {} } : null) };
});
vi.mock("next/headers", async () => {
  const { boundary } = await import("@/test/attack/support/boundary");
  return { headers: async () => new Headers({ "x-portal-client-ip": boundary.ip }) };
});

useTemporaryPortalEnv();
withTestDatabase();

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Classic and less classic SQL-injection payloads, plus inputs that break naive query building. */
export const SQL_PAYLOADS = [
  "' OR '1'='1",
  "' OR 1=1 --",
  "%' OR 1=1 --",
  "'; DROP TABLE transfers; --",
  "1' UNION SELECT id, email, password_hash FROM users --",
  "') OR ('a'='a",
  "\\' OR 1=1 --",
  "1; SELECT pg_sleep(3)",
  "admin'--",
  "00000000-0000-0000-0000-000000000000' OR '1'='1",
  "newest; DROP TABLE users",
  "created_at DESC, (SELECT 1)",
  "%",
  "_",
  "\\",
  "\u0000",
  "abc\u0000' OR 1=1",
  "ʼ OR 1=1 --",
  "x".repeat(10_000),
  "2026-01-01' OR '1'='1",
  "-1",
  "1e309",
  "9999999999999999999999",
  b64({ v: "' OR 1=1 --", id: "00000000-0000-0000-0000-000000000000" }),
  b64({ v: "not a date", id: "00000000-0000-0000-0000-000000000000" }),
  b64({ v: 1, id: "' OR 1=1 --" }),
  b64({ v: "9999999999999999999999999", id: "00000000-0000-0000-0000-000000000000" }),
];

const FILTER_FIELDS = Object.keys(transferFilterSchema.shape);
const SORTS = ["newest", "oldest", "name", "size"];

let world: World;
beforeAll(async () => {
  world = await buildWorld();
  await recordAudit({ actorEmail: "audit-probe@example.com", action: "test.injection", result: "success", target: "probe" });
});

/** The per-token limit would stop a few hundred probes a minute; the probes are about injection. */
async function resetApiRateLimit() {
  const db = await getDb();
  await db.delete(rateLimits).where(like(rateLimits.key, "api:%"));
}

function cases(): Array<{ field: string; payload: string; sort: string }> {
  const all: Array<{ field: string; payload: string; sort: string }> = [];
  for (const field of FILTER_FIELDS) for (const payload of SQL_PAYLOADS) for (const sort of field === "cursor" ? SORTS : ["newest"]) all.push({ field, payload, sort });
  return all;
}

describe("SQL injection in history filters, sorts and searches", () => {
  it("history and support filters: every payload in every field gives normal results or a dropped filter, only the partner's own rows", async () => {
    const failures: string[] = [];
    for (const { field, payload, sort } of cases()) {
      const { filter } = parseTransferFilter({ sort, [field]: payload });
      for (const [who, actor] of [["partner A", world.a.actor], ["admin", world.admin.actor], ["support", world.support.actor]] as const) {
        try {
          const { rows } = await listTransfers(actor, filter);
          if (who === "partner A" && rows.some((row) => row.organisationId !== world.a.organisationId)) failures.push(`${who} ${field}=${JSON.stringify(payload.slice(0, 60))}: saw another organisation's rows`);
        } catch (error) {
          failures.push(`${who} ${field}=${JSON.stringify(payload.slice(0, 60))} sort=${sort}: ${(error as Error).message.slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("partner API list: every payload gives 200 or a 400 validation error, never a 500, and never B's transfers", async () => {
    const failures: string[] = [];
    for (const { field, payload, sort } of cases()) {
      const url = new URL("http://portal.test/api/v1/transfers");
      url.searchParams.set("sort", sort);
      url.searchParams.set(field, payload);
      await resetApiRateLimit();
      const response = await apiListRoute(new NextRequest(url, { headers: { authorization: `Bearer ${world.a.token}` } }));
      const body = await response.text();
      if (![200, 400].includes(response.status)) failures.push(`${field}=${JSON.stringify(payload.slice(0, 60))} sort=${sort}: ${response.status} ${body.slice(0, 160)}`);
      if (body.includes(world.b.transfer.id)) failures.push(`${field}=${JSON.stringify(payload.slice(0, 60))}: B's transfer leaked`);
    }
    expect(failures).toEqual([]);
  });

  it("CSV export: every payload gives a CSV of the partner's own transfers or a validation error", async () => {
    const failures: string[] = [];
    for (const { field, payload, sort } of cases()) {
      const url = new URL("http://portal.test/api/transfers/export");
      url.searchParams.set("sort", sort);
      url.searchParams.set(field, payload);
      const response = await asSession(world.a.sessionId, () => exportRoute(new NextRequest(url)));
      let body = "";
      try {
        body = await response.text();
      } catch (error) {
        failures.push(`${field}=${JSON.stringify(payload.slice(0, 60))}: the CSV stream failed: ${(error as Error).message.slice(0, 160)}`);
      }
      if (![200, 400].includes(response.status)) failures.push(`${field}=${JSON.stringify(payload.slice(0, 60))}: ${response.status}`);
      if (body.includes(world.b.transfer.id)) failures.push(`${field}=${JSON.stringify(payload.slice(0, 60))}: B's transfer leaked`);
    }
    expect(failures).toEqual([]);
  });

  it("audit log search and action filter treat payloads as text", async () => {
    const failures: string[] = [];
    for (const payload of SQL_PAYLOADS) {
      for (const filter of [{ search: payload }, { action: payload }]) {
        try {
          const rows = await listAuditEvents(world.admin.actor, filter);
          // Nothing in the log contains these strings, so a match means the payload became syntax.
          if (rows.length > 0 && !["%", "_", "\\", "-1", "\u0000"].includes(payload)) failures.push(`${JSON.stringify(filter).slice(0, 80)}: ${rows.length} rows`);
        } catch (error) {
          failures.push(`${JSON.stringify(filter).slice(0, 80)}: ${(error as Error).message.slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("organisation search treats payloads as text", async () => {
    const failures: string[] = [];
    for (const payload of SQL_PAYLOADS) {
      for (const actor of [world.admin.actor, world.support.actor]) {
        try {
          const rows = await searchOrganisations(actor, payload);
          if (rows.length > 0 && !["%", "_", "-1", "\u0000"].includes(payload)) failures.push(`${JSON.stringify(payload.slice(0, 60))}: ${rows.length} organisations`);
        } catch (error) {
          failures.push(`${JSON.stringify(payload.slice(0, 60))}: ${(error as Error).message.slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("guide search (in memory) answers every payload", () => {
    for (const payload of SQL_PAYLOADS) expect(() => searchGuides(payload, { limit: 20 })).not.toThrow();
  });

  it("the payloads are data: the tables they aim at are still there", async () => {
    const { rows } = await listTransfers(world.admin.actor, transferFilterSchema.parse({}));
    expect(rows.map((row) => row.id)).toEqual(expect.arrayContaining([world.a.transfer.id, world.b.transfer.id]));
  });
});
