import "server-only";
import { transferFilterSchema, type TransferFilter } from "@/lib/transfers/history/list";
import { ApiError, describeIssues } from "@/lib/api/errors";

/** The history page's filters, minus the organisation (a token sees only its own). */
export const transferListQuerySchema = transferFilterSchema.omit({ organisationId: true });

const known = new Set(Object.keys(transferListQuerySchema.shape));

export function parseTransferListQuery(url: URL): TransferFilter {
  const unknown = [...url.searchParams.keys()].filter((key) => !known.has(key));
  if (unknown.length) {
    throw new ApiError(400, "INVALID_REQUEST", `Unknown query parameter ${unknown.map((k) => `“${k}”`).join(", ")}. Use ${[...known].join(", ")}.`);
  }
  const parsed = transferListQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) throw new ApiError(400, "INVALID_REQUEST", `Invalid query: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}
