import "server-only";
import type { z } from "zod";
import { transferFilterSchema, type TransferFilter } from "@/lib/transfers/history/list";
import { ApiError, describeIssues } from "@/lib/api/errors";
import { responseFilterSchema, type ResponseFilter } from "@/lib/responses/service";

/** The history page's filters, minus the organisation (a token sees only its own). */
export const transferListQuerySchema = transferFilterSchema.omit({ organisationId: true });

/** The payer files inbox's filters, minus the organisation. */
export const responseListQuerySchema = responseFilterSchema.omit({ organisationId: true });

/** A list endpoint's query: an unknown parameter is named (a typo must not silently list everything). */
function parseListQuery<S extends z.ZodObject>(url: URL, schema: S): z.infer<S> {
  const known = Object.keys(schema.shape);
  const unknown = [...url.searchParams.keys()].filter((key) => !known.includes(key));
  if (unknown.length) {
    throw new ApiError(400, "INVALID_REQUEST", `Unknown query parameter ${unknown.map((k) => `“${k}”`).join(", ")}. Use ${known.join(", ")}.`);
  }
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) throw new ApiError(400, "INVALID_REQUEST", `Invalid query: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

export function parseTransferListQuery(url: URL): TransferFilter {
  return parseListQuery(url, transferListQuerySchema);
}

export function parseResponseListQuery(url: URL): ResponseFilter {
  return parseListQuery(url, responseListQuerySchema);
}
