import { Readable } from "node:stream";
import { z } from "zod";
import { ApiError } from "@/lib/api/errors";
import { apiRoute, methodNotAllowed } from "@/lib/api/route";
import { attachmentHeaders } from "@/lib/http/attachment";
import { openResponseFileContent } from "@/lib/responses/service";

export const dynamic = "force-dynamic";

/** The payer file's bytes, as an attachment, streamed from storage. */
export const GET = apiRoute<{ id: string }>("responses.content", async (_request, { actor }, { id }) => {
  if (!z.uuid().safeParse(id).success) throw new ApiError(404, "NOT_FOUND", "No payer file of your organisation has this id.");
  const content = await openResponseFileContent(actor, id);
  return new Response(Readable.toWeb(content.stream) as ReadableStream, { status: 200, headers: attachmentHeaders(content.name, content.size) });
});

export const POST = methodNotAllowed("GET");
export const PUT = POST;
export const PATCH = POST;
export const DELETE = POST;
