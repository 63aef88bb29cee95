import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { authenticateApiRequest } from "@/lib/api/authenticate";
import { toErrorResponse } from "@/lib/api/errors";

export interface ApiContext {
  actor: Actor;
  tokenId: string;
}

/**
 * Wraps a route handler of the partner API: authenticate the bearer token (and count it against
 * its rate limit), run, and turn every error into the documented JSON shape.
 */
export function apiRoute<P = Record<string, never>>(operation: string, run: (request: Request, context: ApiContext, params: P) => Promise<Response>) {
  return async function handler(request: Request, segment?: { params: Promise<P> }): Promise<Response> {
    try {
      const context = await authenticateApiRequest(request);
      return await run(request, context, (await segment?.params) as P);
    } catch (error) {
      return toErrorResponse(error, operation);
    }
  };
}
