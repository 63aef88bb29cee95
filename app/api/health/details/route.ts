import { NextResponse } from "next/server";
import { operationsSnapshot, operationsSnapshotForMonitoring } from "@/lib/monitoring/operations";
import { resolveMonitoringToken } from "@/lib/monitoring/tokens";
import { countEvent } from "@/lib/rate-limits/store";
import { currentActor } from "@/lib/auth/session";
import { env } from "@/lib/env";

export const dynamic = "force-dynamic";

const noStore = { "cache-control": "no-store" };
/** Per token: a monitoring system polls every few seconds at most. */
const TOKEN_LIMIT = { max: 120, windowMs: 60_000 };

function refuse(status: 401 | 403 | 429, message: string) {
  return NextResponse.json(
    { error: status === 401 ? "UNAUTHENTICATED" : status === 403 ? "FORBIDDEN" : "RATE_LIMITED", message },
    { status, headers: { ...noStore, ...(status === 401 ? { "www-authenticate": 'Bearer realm="edi-portal-monitoring"' } : {}) } },
  );
}

/**
 * The operator's view as JSON for monitoring: an admin's session, or a monitoring token (created by
 * an admin on their account page) as a bearer token. Everyone else learns nothing but the refusal.
 */
export async function GET(request: Request) {
  const downAfterMinutes = env().DESTINATION_DOWN_AFTER_MINUTES;
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match ? await resolveMonitoringToken(match[1]) : null;
    if (!token) return refuse(401, "This endpoint needs a monitoring token (create one as an admin on the Account page) or an admin session.");
    const state = await countEvent(`monitoring:token:${token.tokenId}`, TOKEN_LIMIT);
    if (state.count > TOKEN_LIMIT.max) return refuse(429, "More than 120 requests a minute with this token: poll less often.");
    return NextResponse.json(await operationsSnapshotForMonitoring(token, { downAfterMinutes }), { headers: noStore });
  }
  const actor = await currentActor();
  if (!actor) return refuse(401, "Sign in as an administrator, or send a monitoring token as “Authorization: Bearer edm_…”.");
  if (actor.role !== "admin") return refuse(403, "Only administrators can read the operator's details.");
  return NextResponse.json(await operationsSnapshot(actor, { downAfterMinutes }), { headers: noStore });
}
