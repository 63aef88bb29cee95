import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/define-route";
import { HttpError } from "@/lib/errors";
import { checkReadiness } from "@/lib/health/readiness";

export const dynamic = "force-dynamic";

/**
 * Readiness for load balancers: 200 {"status":"ready"} while this instance takes new work; 503 with
 * the JSON error shape when it is shutting down (SIGTERM), cannot reach its database, or the
 * database lacks this release's migrations. Public and bare: no version, host or figure (those are
 * in /api/health and, signed in, /api/health/details).
 */
export const GET = defineRoute({ name: "ready", access: { public: true } }, async () => {
  const readiness = await checkReadiness();
  if (!readiness.ready) throw new HttpError(503, readiness.code, readiness.message, { headers: { "retry-after": "5", "cache-control": "no-store" } });
  return NextResponse.json({ status: "ready" }, { headers: { "cache-control": "no-store" } });
});
