import "server-only";
import { z } from "zod";
import { ApiError } from "@/lib/api/errors";

/** The headers of `POST /api/v1/transfers`; documented in the OpenAPI document from this schema. */
export const uploadHeadersSchema = z.object({
  "x-account-id": z
    .string({ error: "Send X-Account-Id: the id of your organisation's account on the destination (listed on the Account page, under API tokens)." })
    .uuid("X-Account-Id must be an account id (a UUID) as listed on the Account page, under API tokens."),
  "x-filename": z
    .string({ error: "Send the file name in X-Filename (percent-encode characters outside ASCII)." })
    .min(1, "X-Filename is empty: send the file name.")
    .max(600, "X-Filename is too long: a file name has at most 200 characters."),
  "x-transfer-mode": z.enum(["test", "production"], { error: "X-Transfer-Mode must be test or production (default production)." }).default("production"),
  "x-confirm-duplicate": z
    .enum(["true", "false"], { error: "X-Confirm-Duplicate must be true or false." })
    .default("false")
    .transform((v) => v === "true"),
  "content-length": z.coerce.number({ error: "Content-Length must be a number of bytes." }).int().min(0).optional(),
});

export interface UploadRequest {
  accountId: string;
  name: string;
  mode: "test" | "production";
  confirmDuplicate: boolean;
  /** Null when the client streams without announcing a length (chunked transfer encoding). */
  declaredSize: number | null;
}

const acceptedTypes = new Set(["application/octet-stream", "text/plain", "application/edi-x12"]);

export function parseUploadRequest(request: Request): UploadRequest {
  const contentType = request.headers.get("content-type")?.split(";")[0].trim().toLowerCase();
  if (contentType && !acceptedTypes.has(contentType)) {
    throw new ApiError(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      `Send the file's raw bytes as the request body with Content-Type: application/octet-stream (got ${contentType}); multipart form uploads are not accepted.`,
    );
  }
  const names = Object.keys(uploadHeadersSchema.shape);
  const raw = Object.fromEntries(names.map((name) => [name, request.headers.get(name) ?? undefined]));
  const parsed = uploadHeadersSchema.safeParse(raw);
  // Every message names its header already.
  if (!parsed.success) throw new ApiError(400, "INVALID_REQUEST", parsed.error.issues.map((issue) => issue.message).join(" "));
  let name: string;
  try {
    name = decodeURIComponent(parsed.data["x-filename"]).normalize("NFC");
  } catch {
    throw new ApiError(400, "INVALID_REQUEST", "X-Filename is not valid percent-encoding: encode the UTF-8 bytes of the name, e.g. with encodeURIComponent.");
  }
  return {
    accountId: parsed.data["x-account-id"],
    name,
    mode: parsed.data["x-transfer-mode"],
    confirmDuplicate: parsed.data["x-confirm-duplicate"],
    declaredSize: parsed.data["content-length"] ?? null,
  };
}
