import { z } from "zod";
import { ApiError, jsonResponse, methodNotAllowed } from "@/lib/api/errors";
import { apiRoute } from "@/lib/api/route";
import { transferResource } from "@/lib/api/transfer-resource";
import { NotFoundError } from "@/lib/errors";
import { confirmDuplicate } from "@/lib/uploads/accept";

export const dynamic = "force-dynamic";

const confirmBodySchema = z.object({
  decision: z.enum(["send", "cancel"], { error: 'decision must be "send" (deliver it again) or "cancel" (drop this copy).' }),
});

const MAX_BODY_BYTES = 1024;

const notFound = () => new ApiError(404, "NOT_FOUND", "No transfer of your organisation has this id. Check the id returned when you uploaded the file.");

/**
 * The answer to "this file was already delivered in the last 30 days": send the staged copy, or drop
 * it. The bytes were kept when the upload was held, so nothing is uploaded again.
 */
export const POST = apiRoute<{ id: string }>("transfers.confirm", async (request, { actor }, { id }) => {
  if (!z.uuid().safeParse(id).success) throw notFound();
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new ApiError(413, "INVALID_REQUEST", 'Send a small JSON body: {"decision": "send"} or {"decision": "cancel"}.');
  let json: unknown;
  try {
    json = JSON.parse(text || "null");
  } catch {
    throw new ApiError(400, "INVALID_REQUEST", 'The body must be JSON: {"decision": "send"} or {"decision": "cancel"}.');
  }
  const { decision } = confirmBodySchema.parse(json);
  const transfer = await confirmDuplicate(actor, id, decision === "send").catch((error: unknown) => {
    throw error instanceof NotFoundError ? notFound() : error;
  });
  return jsonResponse(transferResource(transfer));
});

export const GET = methodNotAllowed("POST");
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
