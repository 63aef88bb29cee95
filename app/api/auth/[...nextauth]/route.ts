import { NextRequest } from "next/server";
import { handlers } from "@/lib/auth/auth";
import { HttpError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/error-response";
import { PayloadTooLargeError, readBodyWithin } from "@/lib/http/request-limits";

/*
 * Auth.js' own endpoints: the one route file not built with defineRoute (declared as a framework
 * route in test/attack/authorization-matrix.test.ts). Its own refusals use the one error body.
 */

export const { GET } = handlers;

/**
 * Auth.js reads the whole body (`formData()`) before it looks at anything, so the body is read here
 * first, at most 16 KiB (refused from Content-Length before a byte is read), and Auth.js gets a
 * request made from those bytes. server.ts refuses larger bodies already; this keeps sign-in safe
 * behind any server.
 */
export async function POST(request: NextRequest): Promise<Response> {
  let body: Uint8Array;
  try {
    body = await readBodyWithin(request, "auth");
  } catch (error) {
    if (error instanceof PayloadTooLargeError) return errorResponse(new HttpError(413, "PAYLOAD_TOO_LARGE", error.message, { headers: { connection: "close" } }));
    return errorResponse(new HttpError(400, "INVALID_REQUEST", "The connection ended before the sign-in request was complete. Sign in again."));
  }
  const headers = new Headers(request.headers);
  headers.set("content-length", String(body.byteLength));
  headers.delete("transfer-encoding");
  return handlers.POST(new NextRequest(request.url, { method: "POST", headers, body: body.byteLength ? (body as BodyInit) : null }));
}
