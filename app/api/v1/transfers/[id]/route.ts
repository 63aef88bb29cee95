import { z } from "zod";
import { getTransferDetail } from "@/lib/transfers/records";
import { ApiError, jsonResponse } from "@/lib/api/errors";
import { apiRoute, methodNotAllowed } from "@/lib/api/route";
import { transferDetailResource } from "@/lib/api/transfer-resource";
import { NotFoundError } from "@/lib/errors";
import { payerResponseTimeline } from "@/lib/responses/service";

export const dynamic = "force-dynamic";

const notFound = () => new ApiError(404, "NOT_FOUND", "No transfer of your organisation has this id. Check the id returned when you uploaded the file.");

/** One transfer with its attempts and the payer's answers; another organisation's id answers exactly like a missing one. */
export const GET = apiRoute<{ id: string }>("transfers.get", async (_request, { actor }, { id }) => {
  if (!z.uuid().safeParse(id).success) throw notFound();
  const detail = await getTransferDetail(actor, id).catch((error: unknown) => {
    throw error instanceof NotFoundError ? notFound() : error;
  });
  return jsonResponse(transferDetailResource(detail, await payerResponseTimeline(actor, id)));
});

export const POST = methodNotAllowed("GET");
export const PUT = POST;
export const PATCH = POST;
export const DELETE = POST;
