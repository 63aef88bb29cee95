import { NextResponse } from "next/server";
import { getDatabaseHandle } from "@/db/client";
import { databaseAvailability, type DatabaseState } from "@/lib/health/database-status";
import { measureStagingSpace } from "@/lib/transfers/staging/space";
import { defineRoute } from "@/lib/http/define-route";
import packageJson from "@/package.json";

export const dynamic = "force-dynamic";

/**
 * Public and minimal: overall status, version, the database, and whether the staging volume has its
 * reserve free (a status only; the figures are in /api/health/details). "degraded" when either is
 * not ok. Only a database failure answers 503: with the staging volume low the portal still serves
 * pages and relays queued files, and every instance shares that volume, so taking instances out of
 * a load balancer would turn refused uploads into an outage.
 */
export const GET = defineRoute({ name: "health", access: { public: true } }, async () => {
  const started = performance.now();
  // state: "restarting" while the embedded database process is being started again, "down" when it could not be.
  let database: { status: "ok" | "error"; state: DatabaseState; engine?: string; latencyMs?: number };
  const space = measureStagingSpace();
  const { state } = databaseAvailability();
  try {
    if (state !== "up") throw new Error(`database ${state}`);
    const handle = await getDatabaseHandle();
    await handle.raw.query("select 1");
    database = { status: "ok", state, engine: handle.kind, latencyMs: Math.round(performance.now() - started) };
  } catch {
    database = { status: "error", state };
  }
  const staging = { status: (await space).status };
  const healthy = database.status === "ok" && staging.status === "ok";
  return NextResponse.json(
    { status: healthy ? "ok" : "degraded", version: packageJson.version, database, staging, time: new Date().toISOString() },
    { status: database.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
});
