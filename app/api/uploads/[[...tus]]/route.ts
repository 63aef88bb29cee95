import { tusServer, UPLOADS_NOT_SERVED } from "@/lib/transfers/intake/tus";
import { defineRoute } from "@/lib/http/define-route";
import { HttpError } from "@/lib/errors";

/*
 * Resumable browser uploads (tus protocol). The body streams from the request into the staging
 * store with constant memory: no formData(), no server action, and outside proxy.ts (which would
 * cut the body at 10 MB).
 */
export const dynamic = "force-dynamic";

/**
 * Partners of approved organisations only, checked here before tus sees the request; the tus hooks
 * (lib/transfers/intake/tus.ts) then keep every upload inside the partner's organisation. tus's own
 * protocol answers (412, 409, 460 …) go out as tus writes them; our refusals carry Tus-Resumable too.
 *
 * GET is refused (405): tus would stream a finished upload back, and uploaded files are never
 * served back (SECURITY.md). HEAD stays: it is how an interrupted upload resumes.
 */
const upload = defineRoute(
  {
    name: "uploads.tus",
    access: { roles: ["partner"] },
    refusals: {
      unauthenticated: "Your session has ended. Sign in again; the upload resumes where it stopped.",
      forbidden: "Only partners of an approved organisation can upload files.",
    },
    errorHeaders: { "tus-resumable": "1.0.0" },
  },
  (request) => {
    if (request.method === "GET") throw new HttpError(405, "METHOD_NOT_ALLOWED", UPLOADS_NOT_SERVED, { headers: { allow: "HEAD, POST, PATCH, DELETE, OPTIONS" } });
    return tusServer().handleWeb(request);
  },
);

/** The tus capability discovery (CORS preflight): versions, extensions and the size limit, the same for everyone. */
const options = defineRoute({ name: "uploads.options", access: { public: true } }, (request) => tusServer().handleWeb(request));

export { upload as GET, upload as HEAD, upload as POST, upload as PATCH, upload as DELETE, options as OPTIONS };
