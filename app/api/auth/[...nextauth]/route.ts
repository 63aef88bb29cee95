import { NextRequest } from "next/server";
import { handlers } from "@/lib/auth/auth";
import { PayloadTooLargeError, readBodyWithin } from "@/lib/http/request-limits";

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
    if (error instanceof PayloadTooLargeError) {
      return Response.json({ error: { code: "PAYLOAD_TOO_LARGE", message: error.message } }, { status: 413, headers: { "cache-control": "no-store", connection: "close" } });
    }
    return Response.json(
      { error: { code: "INVALID_REQUEST", message: "The connection ended before the sign-in request was complete. Sign in again." } },
      { status: 400, headers: { "cache-control": "no-store" } },
    );
  }
  const headers = new Headers(request.headers);
  headers.set("content-length", String(body.byteLength));
  headers.delete("transfer-encoding");
  return handlers.POST(new NextRequest(request.url, { method: "POST", headers, body: body.byteLength ? (body as BodyInit) : null }));
}
