import { z } from "zod";
import { ApiError, jsonResponse } from "@/lib/api/errors";
import { apiRoute, methodNotAllowed } from "@/lib/api/route";
import { transferResource } from "@/lib/api/transfer-resource";
import { NotFoundError } from "@/lib/errors";
import { PayloadTooLargeError, readBodyWithin } from "@/lib/http/request-limits";
import { decideHeldTransfer } from "@/lib/transfers/intake/accept";

export const dynamic = "force-dynamic";

const confirmBodySchema = z.object({
  decision: z.enum(["send", "cancel"], { error: 'decision must be "send" (deliver it anyway) or "cancel" (drop this copy).' }),
});

const notFound = () => new ApiError(404, "NOT_FOUND", "No transfer of your organisation has this id. Check the id returned when you uploaded the file.");

/**
 * At most 1 KiB, refused from Content-Length before a byte is read and otherwise read through a
 * capped reader. server.ts refuses such bodies already; this keeps the route safe behind any server.
 */
async function readConfirmBody(request: Request): Promise<string> {
  try {
    return new TextDecoder().decode(await readBodyWithin(request, "confirm"));
  } catch (error) {
    if (error instanceof PayloadTooLargeError) throw new ApiError(413, "PAYLOAD_TOO_LARGE", error.message, {}, { connection: "close" });
    throw new ApiError(400, "INVALID_REQUEST", 'The connection ended before the body was complete. Send {"decision": "send"} or {"decision": "cancel"} again.');
  }
}

/**
 * The answer to a held file (a duplicate of one delivered in the last 30 days, or an X12 envelope
 * naming the other mode or another sender): send the staged copy, or drop it. The bytes were kept
 * when the upload was held, so nothing is uploaded again.
 */
export const POST = apiRoute<{ id: string }>("transfers.confirm", async (request, { actor }, { id }) => {
  if (!z.uuid().safeParse(id).success) throw notFound();
  const text = await readConfirmBody(request);
  let json: unknown;
  try {
    json = JSON.parse(text || "null");
  } catch {
    throw new ApiError(400, "INVALID_REQUEST", 'The body must be JSON: {"decision": "send"} or {"decision": "cancel"}.');
  }
  const { decision } = confirmBodySchema.parse(json);
  const transfer = await decideHeldTransfer(actor, id, decision === "send").catch((error: unknown) => {
    throw error instanceof NotFoundError ? notFound() : error;
  });
  return jsonResponse(transferResource(transfer));
});

export const GET = methodNotAllowed("POST");
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
