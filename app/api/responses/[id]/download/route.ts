import { Readable } from "node:stream";
import { z } from "zod";
import { defineRoute } from "@/lib/http/define-route";
import { attachmentHeaders } from "@/lib/http/attachment";
import { openResponseFileContent } from "@/lib/responses/service";

export const dynamic = "force-dynamic";

/**
 * A payer file's bytes for the signed-in user, as an attachment, streamed from storage (partners:
 * their organisation's files; another organisation's file is "not found" like a missing one).
 */
export const GET = defineRoute(
  {
    name: "responses.download",
    access: { roles: ["partner", "admin", "support"] },
    // Any text: an id that is not a payer file of the caller's (malformed included) is one "not found".
    params: z.object({ id: z.string().max(100) }),
    refusals: { unauthenticated: "Sign in first." },
  },
  async (_request, { actor, params }) => {
    const content = await openResponseFileContent(actor, params.id);
    // The plaintext size of the stored copy, not the listing's: that is what the stream will send.
    return new Response(Readable.toWeb(content.stream) as ReadableStream, { status: 200, headers: attachmentHeaders(content.name, content.size) });
  },
);
