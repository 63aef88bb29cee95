import { tusServer } from "@/lib/transfers/intake/tus";

/*
 * Resumable browser uploads (tus protocol). The body streams from the request into the staging
 * store with constant memory: no formData(), no server action, and outside proxy.ts (which would
 * cut the body at 10 MB).
 */
export const dynamic = "force-dynamic";

const handle = (request: Request) => tusServer().handleWeb(request);

export { handle as GET, handle as HEAD, handle as POST, handle as PATCH, handle as DELETE, handle as OPTIONS };
