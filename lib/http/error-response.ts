import { z } from "zod";
import { AppError, HttpError, type ErrorCode } from "@/lib/errors";
import { logger } from "@/lib/logger";

/*
 * The one error body of every JSON answer the portal gives — route handlers (lib/http/define-route.ts),
 * the partner API, the tus upload hooks, and server.ts' own refusals (request limits, database gate):
 *
 *   { "error": { "code": "NOT_FOUND", "message": "What went wrong and what to do." } }
 *
 * plus, for refused files, `findings` beside `error`. Clients branch on the code, people read the message.
 * No "server-only" here: server.ts' refusals use errorJson too.
 */

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
  [detail: string]: unknown;
}

export function errorBody(code: ErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}): ErrorBody {
  return { error: { code, message }, ...details };
}

const defaultCodes: Record<number, ErrorCode> = {
  400: "INVALID_REQUEST",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  408: "REQUEST_TIMEOUT",
  411: "LENGTH_REQUIRED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "INVALID_REQUEST",
  429: "RATE_LIMITED",
  503: "DATABASE_UNAVAILABLE",
  507: "INSUFFICIENT_STORAGE",
};

/** The usual code of a status, for answers built from a status alone (the tus hooks' refusals). */
export function codeForStatus(status: number): ErrorCode {
  return defaultCodes[status] ?? (status >= 500 ? "INTERNAL" : "INVALID_REQUEST");
}

/** The body as text, for answers written outside a Response (server.ts' node:http refusals, tus hooks). */
export function errorJson(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(errorBody(code, message, details));
}

export const noStore = { "cache-control": "no-store" } as const;

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...noStore, ...headers } });
}

/** An AppError (NotFoundError, HttpError, ApiError, …) as its answer: status, headers and the one body. */
export function errorResponse(error: AppError): Response {
  return jsonResponse(errorBody(error.code, error.message, error.details), error.status, { ...error.headers });
}

/** Zod issues as one readable sentence: "limit: Too big: expected number to be <=500; status: …". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
}

/**
 * The one mapping from anything thrown to an answer. Errors that know their answer (AppError) give
 * it; invalid input is a 400; anything else is a fault on our side: logged with a reference, and
 * answered 500 without its details (a path or a database error is for the log only).
 */
export function toErrorResponse(error: unknown, operation: string): Response {
  if (error instanceof AppError) return errorResponse(error);
  if (error instanceof z.ZodError) return errorResponse(new HttpError(400, "INVALID_REQUEST", describeIssues(error)));
  const reference = crypto.randomUUID().slice(0, 8);
  logger.error("request failed", { operation, reference, error });
  return errorResponse(
    new HttpError(500, "INTERNAL", `Something went wrong on our side. Retry in a minute; if it keeps happening, contact support and quote reference ${reference}.`),
  );
}
