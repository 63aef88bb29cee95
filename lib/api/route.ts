import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { ApiError } from "@/lib/api/errors";
import { NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { defineRoute, type RouteHandler } from "@/lib/http/define-route";

export interface ApiContext {
  actor: Actor;
  tokenId: string;
}

/**
 * A route handler of the partner API: defineRoute with `{ apiToken: true }` — the bearer token is
 * authenticated (and counted against its rate limit) before `run`, and every error becomes the
 * documented JSON shape. `operation` is the handler's name in the policy registry.
 */
export function apiRoute<P = Record<string, never>>(operation: string, run: (request: Request, context: ApiContext, params: P) => Promise<Response>): RouteHandler {
  return defineRoute({ name: operation, access: { apiToken: true } }, async (request, { actor, tokenId, params }) => {
    try {
      return await run(request, { actor, tokenId }, params as unknown as P);
    } catch (error) {
      throw inApiTerms(error);
    }
  });
}

/** The services' errors with the API's wording: an id of another organisation is simply not there. */
function inApiTerms(error: unknown): unknown {
  if (error instanceof NotFoundError) return new ApiError(404, "NOT_FOUND", `${error.message} Check the id; records of other organisations are not visible.`);
  if (error instanceof UnauthenticatedError) return new ApiError(401, "UNAUTHENTICATED", "Send a valid API token: Authorization: Bearer edi_…");
  return error;
}

/** A handler for the methods a route does not offer (public: it answers 405 to anyone, touching nothing). */
export function methodNotAllowed(allowed: string): RouteHandler {
  return defineRoute({ name: "api.methodNotAllowed", access: { public: true } }, () => {
    throw new ApiError(405, "METHOD_NOT_ALLOWED", `This endpoint accepts ${allowed} only. The operations are listed in /api/v1/openapi.json.`, {}, { allow: allowed });
  });
}
