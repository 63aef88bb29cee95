/**
 * Errors the data-access layer and the services raise; the action wrapper (lib/auth/action.ts) and
 * the route wrapper (lib/http/define-route.ts) turn them into answers. Each knows its answer: a
 * stable code, an HTTP status and, when it needs them, response headers and extra body fields.
 * Route handlers answer every error as `{ "error": { "code", "message" } }` (lib/http/error-response.ts).
 */

/** Every code a JSON error answer carries (documented for the partner API in lib/api/openapi.ts). */
export const errorCodes = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "INVALID_REQUEST",
  "METHOD_NOT_ALLOWED",
  "UNSUPPORTED_MEDIA_TYPE",
  "FILE_REJECTED",
  "FILE_TOO_LARGE",
  "UPLOAD_INCOMPLETE",
  // 403: the organisation's staging quota (staged bytes, or unfinished uploads at once) leaves no room; an admin can raise it.
  "QUOTA_EXCEEDED",
  // 507: the portal's staging volume has no room for the file (not the client's fault; retry later).
  "INSUFFICIENT_STORAGE",
  // Refused from the headers by server.ts (lib/http/request-limits.ts) before the route runs.
  "PAYLOAD_TOO_LARGE",
  "LENGTH_REQUIRED",
  "REQUEST_TIMEOUT",
  "RATE_LIMITED",
  // 503 from server.ts (lib/http/database-gate.ts) while the embedded database restarts.
  "DATABASE_UNAVAILABLE",
  // 503 from GET /api/ready: this instance is stopping, or its database lacks the release's migrations.
  "SHUTTING_DOWN",
  "MIGRATIONS_PENDING",
  "INTERNAL",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorAnswer {
  code: ErrorCode;
  status: number;
  /** Response headers that belong to the answer (Retry-After, WWW-Authenticate, Allow, Connection). */
  headers?: Record<string, string>;
  /** Extra top-level fields of the error body, beside `error` (e.g. `findings`). */
  details?: Record<string, unknown>;
}

/** The base of every error that is an answer on purpose (as opposed to a fault on our side). */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(message: string, answer: ErrorAnswer) {
    super(message);
    this.name = "AppError";
    this.code = answer.code;
    this.status = answer.status;
    this.headers = answer.headers ?? {};
    this.details = answer.details ?? {};
  }
}

/** An answer a route handler gives on purpose, with any status and code: `throw new HttpError(400, "INVALID_REQUEST", "…")`. */
export class HttpError extends AppError {
  constructor(status: number, code: ErrorCode, message: string, options: { headers?: Record<string, string>; details?: Record<string, unknown> } = {}) {
    super(message, { status, code, ...options });
    this.name = "HttpError";
  }
}

export class NotFoundError extends AppError {
  constructor(what = "record") {
    super(`That ${what} was not found.`, { code: "NOT_FOUND", status: 404 });
    this.name = "NotFoundError";
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "You do not have permission to do that.") {
    super(message, { code: "FORBIDDEN", status: 403 });
    this.name = "ForbiddenError";
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = "Your session has ended. Sign in again.") {
    super(message, { code: "UNAUTHENTICATED", status: 401 });
    this.name = "UnauthenticatedError";
  }
}

/** A rule the user can fix, optionally tied to one form field. */
export class UserInputError extends AppError {
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message, { code: "INVALID_REQUEST", status: 422 });
    this.name = "UserInputError";
    this.field = field;
  }
}
