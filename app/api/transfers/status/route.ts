import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/define-route";
import { MAX_STATUS_IDS, uploadStatuses, uploadStatusQuery } from "@/lib/transfers/history/upload-status";

export const dynamic = "force-dynamic";

/** Where the partner's uploads stand (status, payer verdict, guide for a stop): polled by the upload page. */
export const GET = defineRoute(
  {
    name: "transfers.uploadStatus",
    access: { roles: ["partner"] },
    query: uploadStatusQuery,
    invalidInput: `ids: give 1 to ${MAX_STATUS_IDS} transfer ids (UUIDs), separated by commas.`,
    refusals: { unauthenticated: "Sign in first." },
  },
  async (_request, { actor, query }) => NextResponse.json({ transfers: await uploadStatuses(actor, query.ids) }, { headers: { "Cache-Control": "no-store" } }),
);
