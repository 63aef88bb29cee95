import { NextResponse } from "next/server";
import { getDatabaseHandle } from "@/db/client";
import packageJson from "@/package.json";

export const dynamic = "force-dynamic";

export async function GET() {
  const started = performance.now();
  let database: { status: "ok" | "error"; engine?: string; latencyMs?: number } = { status: "error" };
  try {
    const handle = await getDatabaseHandle();
    await handle.raw.query("select 1");
    database = { status: "ok", engine: handle.kind, latencyMs: Math.round(performance.now() - started) };
  } catch {
    database = { status: "error" };
  }
  const healthy = database.status === "ok";
  return NextResponse.json(
    { status: healthy ? "ok" : "degraded", version: packageJson.version, database, time: new Date().toISOString() },
    { status: healthy ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
