import { NextResponse, type NextRequest } from "next/server";
import { listTransfers, type TransferListRow } from "@/lib/transfers/history/list";
import { currentActor } from "@/lib/auth/session";
import { csvHeaders, csvStream } from "@/lib/csv";
import { parseTransferFilter } from "@/lib/transfers/history/filter-params";

export const dynamic = "force-dynamic";

const columns = ["id", "originalName", "organisationName", "destinationName", "status", "mode", "sizeBytes", "sha256", "createdAt", "deliveredAt", "attemptCount", "lastErrorCode", "requeueReason"] as const;

/** The filtered history as CSV (partners: their organisation; admins and support: all), streamed page by page. */
export async function GET(request: NextRequest) {
  const actor = await currentActor();
  if (!actor) return NextResponse.json({ error: "Sign in first." }, { status: 401 });
  if (actor.role === "partner" && actor.organisationStatus !== "approved") return NextResponse.json({ error: "Your organisation is waiting for approval." }, { status: 403 });
  const { filter, problems } = parseTransferFilter(Object.fromEntries(request.nextUrl.searchParams));
  if (problems.length) return NextResponse.json({ error: `Fix these filters and export again: ${problems.join("; ")}` }, { status: 400 });
  async function* pages() {
    let cursor: string | undefined;
    do {
      const page = await listTransfers(actor!, { ...filter, cursor, limit: 500 });
      yield page.rows.map((row: TransferListRow) => columns.map((c) => row[c]));
      cursor = page.nextCursor;
    } while (cursor);
  }
  const range = [filter.from, filter.to].filter(Boolean).join("_to_") || new Date().toISOString().slice(0, 10);
  return new NextResponse(csvStream([...columns], pages()), { headers: csvHeaders(`transfers-${range}.csv`) });
}
