import "server-only";
import { z } from "zod";
import { ForbiddenError, NotFoundError, UnauthenticatedError, UserInputError } from "@/lib/errors";
import { logger } from "@/lib/logger";

/** Stable, documented error codes of the HTTPS API (clients branch on these, not on messages). */
export const apiErrorCodes = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "INVALID_REQUEST",
  "METHOD_NOT_ALLOWED",
  "UNSUPPORTED_MEDIA_TYPE",
  "FILE_REJECTED",
  "FILE_TOO_LARGE",
  "UPLOAD_INCOMPLETE",
  // 507: the portal's staging volume has no room for the file (not the client's fault; retry later).
  "INSUFFICIENT_STORAGE",
  // Refused from the headers by server.ts (lib/http/request-limits.ts) before the route runs.
  "PAYLOAD_TOO_LARGE",
  "LENGTH_REQUIRED",
  "REQUEST_TIMEOUT",
  "RATE_LIMITED",
  "INTERNAL",
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

/** An answer the API gives on purpose: status, code, a message that says what to do, extra fields. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const noStore = { "cache-control": "no-store" } as const;

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...noStore, ...headers } });
}

export function errorResponse(error: ApiError): Response {
  return jsonResponse({ error: { code: error.code, message: error.message }, ...error.extra }, error.status, error.headers);
}

/** A handler for the methods a route does not offer, answering in the API's JSON error shape. */
export function methodNotAllowed(allowed: string): () => Response {
  return () => errorResponse(new ApiError(405, "METHOD_NOT_ALLOWED", `This endpoint accepts ${allowed} only. The operations are listed in /api/v1/openapi.json.`, {}, { allow: allowed }));
}

/** Zod issues as one readable sentence: "limit: Too big: expected number to be <=500; status: …". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
}

/** Anything thrown inside a handler becomes a JSON error; unknown errors never leak their details. */
export function toErrorResponse(error: unknown, operation: string): Response {
  if (error instanceof ApiError) return errorResponse(error);
  if (error instanceof z.ZodError) return errorResponse(new ApiError(400, "INVALID_REQUEST", describeIssues(error)));
  if (error instanceof UserInputError) return errorResponse(new ApiError(422, "INVALID_REQUEST", error.message));
  if (error instanceof NotFoundError) return errorResponse(new ApiError(404, "NOT_FOUND", `${error.message} Check the id; records of other organisations are not visible.`));
  if (error instanceof ForbiddenError) return errorResponse(new ApiError(403, "FORBIDDEN", error.message));
  if (error instanceof UnauthenticatedError) return errorResponse(new ApiError(401, "UNAUTHENTICATED", "Send a valid API token: Authorization: Bearer edi_…"));
  const reference = crypto.randomUUID().slice(0, 8);
  logger.error("api request failed", { operation, reference, error });
  return errorResponse(
    new ApiError(500, "INTERNAL", `Something went wrong on our side. Retry in a minute; if it keeps happening, contact support and quote reference ${reference}.`),
  );
}
