import { NextResponse } from "next/server";
import { operationsSnapshot, operationsSnapshotForMonitoring } from "@/lib/monitoring/operations";
import { env } from "@/lib/env";
import { defineRoute } from "@/lib/http/define-route";

export const dynamic = "force-dynamic";

const noStore = { "cache-control": "no-store" };

/**
 * The operator's view as JSON for monitoring: an admin's session, or a monitoring token (created by
 * an admin on their account page) as a bearer token. Everyone else learns nothing but the refusal.
 */
export const GET = defineRoute(
  {
    name: "health.details",
    access: { roles: ["admin"], monitoringToken: true },
    refusals: {
      unauthenticated: "Sign in as an administrator, or send a monitoring token as “Authorization: Bearer edm_…”.",
      forbidden: "Only administrators can read the operator's details.",
    },
  },
  async (_request, caller) => {
    const downAfterMinutes = env().DESTINATION_DOWN_AFTER_MINUTES;
    const snapshot = caller.monitoringToken ? await operationsSnapshotForMonitoring(caller.monitoringToken, { downAfterMinutes }) : await operationsSnapshot(caller.actor, { downAfterMinutes });
    return NextResponse.json(snapshot, { headers: noStore });
  },
);
