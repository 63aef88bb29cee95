import { z } from "zod";
import { exportPublicKey } from "@/lib/partner-keys/service";
import { HttpError, NotFoundError } from "@/lib/errors";
import { defineRoute } from "@/lib/http/define-route";

/** Public-key downloads (OpenSSH, RFC 4716 / SSH2, PEM) for the partner's own keys (staff read any). */
export const GET = defineRoute(
  {
    name: "keys.downloadPublic",
    access: { roles: ["partner", "admin", "support"] },
    params: z.object({ id: z.uuid() }),
    query: z.object({ format: z.enum(["openssh", "rfc4716", "pem"]).default("openssh") }),
    invalidInput: "Unknown key or format (use openssh, rfc4716 or pem).",
    refusals: { unauthenticated: "Sign in first." },
  },
  async (_request, { actor, params, query }) => {
    const file = await exportPublicKey(actor, params.id, query.format).catch((error: unknown) => {
      throw error instanceof NotFoundError ? new HttpError(404, "NOT_FOUND", "Key not found.") : error;
    });
    return new Response(file.content, {
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "content-disposition": `attachment; filename="${file.filename}"`,
        "cache-control": "no-store",
      },
    });
  },
);
