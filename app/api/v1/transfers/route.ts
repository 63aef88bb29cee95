import { listTransfers } from "@/lib/transfers/history/list";
import { jsonResponse } from "@/lib/api/errors";
import { parseTransferListQuery } from "@/lib/api/list-query";
import { receiveTransfer } from "@/lib/transfers/intake/receive-transfer";
import { apiRoute, methodNotAllowed } from "@/lib/api/route";
import { transferListItemResource } from "@/lib/api/transfer-resource";

export const dynamic = "force-dynamic";

/** Upload one file: the raw body is streamed to staging, never buffered (see lib/api/receive-transfer). */
export const POST = apiRoute("transfers.create", (request, { actor }) => receiveTransfer(request, actor));

/** The organisation's transfers with the history page's filters, newest first by default. */
export const GET = apiRoute("transfers.list", async (request, { actor }) => {
  const filter = parseTransferListQuery(new URL(request.url));
  const page = await listTransfers(actor, filter);
  return jsonResponse({ data: page.rows.map(transferListItemResource), nextCursor: page.nextCursor ?? null });
});

export const PUT = methodNotAllowed("GET, POST");
export const PATCH = PUT;
export const DELETE = PUT;
