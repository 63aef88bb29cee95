import { NextResponse, type NextRequest } from "next/server";
import { listTransfers } from "@/db/queries/transfer-list";
import { currentActor } from "@/lib/auth/session";
import { parseTransferFilter } from "@/lib/transfer-filter-params";

export const dynamic = "force-dynamic";

const columns = ["id", "originalName", "organisationName", "destinationName", "status", "mode", "sizeBytes", "sha256", "createdAt", "deliveredAt", "attemptCount", "lastErrorCode"] as const;

/** Spreadsheet-safe CSV: quotes doubled, and cells that could start a formula are prefixed with '. */
function cell(value: unknown): string {
  let text = value instanceof Date ? value.toISOString() : value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/** The filtered history as CSV, streamed page by page. */
export async function GET(request: NextRequest) {
  const actor = await currentActor();
  if (!actor) return NextResponse.json({ error: "Sign in first." }, { status: 401 });
  if (actor.role === "partner" && actor.organisationStatus !== "approved") return NextResponse.json({ error: "Your organisation is waiting for approval." }, { status: 403 });
  const { filter } = parseTransferFilter(Object.fromEntries(request.nextUrl.searchParams));
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(`${columns.join(",")}\n`));
      let cursor: string | undefined;
      do {
        const page = await listTransfers(actor, { ...filter, cursor, limit: 500 });
        controller.enqueue(encoder.encode(page.rows.map((row) => columns.map((c) => cell(row[c])).join(",")).join("\n") + (page.rows.length ? "\n" : "")));
        cursor = page.nextCursor;
      } while (cursor);
      controller.close();
    },
  });
  return new NextResponse(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="transfers-${new Date().toISOString().slice(0, 10)}.csv"`,
      "cache-control": "no-store",
    },
  });
}
