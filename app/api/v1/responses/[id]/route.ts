import { z } from "zod";
import { ApiError, jsonResponse } from "@/lib/api/errors";
import { apiRoute, methodNotAllowed } from "@/lib/api/route";
import { responseFileResource } from "@/lib/api/transfer-resource";
import { getResponseFileDetail } from "@/lib/responses/service";

export const dynamic = "force-dynamic";

const notFound = () => new ApiError(404, "NOT_FOUND", "No payer file of your organisation has this id. List them with GET /api/v1/responses.");

/** One payer file and the transfers it answers; another organisation's id answers like a missing one. */
export const GET = apiRoute<{ id: string }>("responses.get", async (_request, { actor }, { id }) => {
  if (!z.uuid().safeParse(id).success) throw notFound();
  const { file, links } = await getResponseFileDetail(actor, id);
  return jsonResponse({
    ...responseFileResource({ ...file, sizeBytes: file.remoteSize, available: file.available }),
    transfers: links.map((link) => ({ transferId: link.transferId, fileName: link.originalName, stage: link.stage, verdict: link.verdict, headline: link.headline })),
  });
});

export const POST = methodNotAllowed("GET");
export const PUT = POST;
export const PATCH = POST;
export const DELETE = POST;
