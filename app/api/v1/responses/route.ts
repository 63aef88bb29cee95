import { jsonResponse } from "@/lib/api/errors";
import { parseResponseListQuery } from "@/lib/api/list-query";
import { apiRoute, methodNotAllowed } from "@/lib/api/route";
import { responseFileResource } from "@/lib/api/transfer-resource";
import { listResponseFilesFor } from "@/lib/responses/service";

export const dynamic = "force-dynamic";

/** The organisation's payer files (acknowledgements, remittances, reports), newest first. */
export const GET = apiRoute("responses.list", async (request, { actor }) => {
  const filter = parseResponseListQuery(new URL(request.url));
  const page = await listResponseFilesFor(actor, filter);
  return jsonResponse({ data: page.rows.map(responseFileResource), nextCursor: page.nextCursor ?? null });
});

export const POST = methodNotAllowed("GET");
export const PUT = POST;
export const PATCH = POST;
export const DELETE = POST;
