import "server-only";
import { errorCodes, HttpError, type ErrorCode } from "@/lib/errors";

// The one error body and its helpers live in lib/http/error-response.ts; re-exported for the API's modules.
export { describeIssues, errorResponse, jsonResponse, noStore, toErrorResponse } from "@/lib/http/error-response";

/**
 * Stable, documented error codes of the HTTPS API (clients branch on these, not on messages): the
 * portal's one list (lib/errors.ts), so every JSON error of every route uses a documented code.
 */
export const apiErrorCodes = errorCodes;
export type ApiErrorCode = ErrorCode;

/** An answer the API gives on purpose: status, code, a message that says what to do, extra fields. */
export class ApiError extends HttpError {
  constructor(
    status: number,
    code: ApiErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(status, code, message, { details: extra, headers });
    this.name = "ApiError";
  }
}
