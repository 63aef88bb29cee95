import { listTransfers, type TransferListRow } from "@/lib/transfers/history/list";
import { csvHeaders, csvStream } from "@/lib/csv";
import { HttpError } from "@/lib/errors";
import { defineRoute } from "@/lib/http/define-route";
import { parseTransferFilter } from "@/lib/transfers/history/filter-params";

export const dynamic = "force-dynamic";

const columns = ["id", "originalName", "organisationName", "destinationName", "status", "mode", "sizeBytes", "sha256", "createdAt", "deliveredAt", "attemptCount", "lastErrorCode", "requeueReason", "responseStatus"] as const;

/** The filtered history as CSV (partners: their organisation; admins and support: all), streamed page by page. */
export const GET = defineRoute(
  { name: "transfers.export", access: { roles: ["partner", "admin", "support"] }, refusals: { unauthenticated: "Sign in first." } },
  (_request, { actor, query }) => {
    // The history page's own filter parsing: it names every bad filter (the page drops them instead).
    const { filter, problems } = parseTransferFilter(query);
    if (problems.length) throw new HttpError(400, "INVALID_REQUEST", `Fix these filters and export again: ${problems.join("; ")}`);
    async function* pages() {
      let cursor: string | undefined;
      do {
        const page = await listTransfers(actor, { ...filter, cursor, limit: 500 });
        yield page.rows.map((row: TransferListRow) => columns.map((c) => row[c]));
        cursor = page.nextCursor;
      } while (cursor);
    }
    const range = [filter.from, filter.to].filter(Boolean).join("_to_") || new Date().toISOString().slice(0, 10);
    return new Response(csvStream([...columns], pages()), { headers: csvHeaders(`transfers-${range}.csv`) });
  },
);
