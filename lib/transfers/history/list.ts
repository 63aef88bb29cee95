import "server-only";
import { z } from "zod";
import { getDb } from "@/db/client";
import { listTransferRows } from "@/db/repositories/transfer-history";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { CONTROL_CHARACTERS_MESSAGE, hasNoControlCharacters } from "@/db/like-pattern";
import type { PayerResponseStatus } from "@/db/schema";

export const payerResponseStatuses = ["awaiting", "accepted", "accepted_with_errors", "partially_accepted", "rejected", "no_response"] as const satisfies readonly PayerResponseStatus[];

export const transferStatuses = ["uploading", "received", "queued", "sending", "delivered", "needs_attention", "failed"] as const;
export const transferSorts = ["newest", "oldest", "name", "size"] as const;

const dateOnly = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-11-21.");

/** Filters shared by the history page, its CSV export and the partner API; every value validated. */
export const transferFilterSchema = z.object({
  from: dateOnly.optional(),
  to: dateOnly.optional(),
  status: z.enum(transferStatuses).optional(),
  /** The payer's answer: awaiting, accepted, accepted_with_errors, partially_accepted, rejected, no_response. */
  response: z.enum(payerResponseStatuses).optional(),
  destinationId: z.string().uuid().optional(),
  organisationId: z.string().uuid().optional(),
  q: z.string().trim().max(200).refine(hasNoControlCharacters, CONTROL_CHARACTERS_MESSAGE).optional(),
  /** The full SHA-256 or its first characters (at least 8), as support reads it off a partner's screen. */
  sha256: z.string().trim().regex(/^[0-9a-f]{8,64}$/i, "Enter the SHA-256 or at least its first 8 hex digits.").optional(),
  sort: z.enum(transferSorts).default("newest"),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type TransferFilter = z.infer<typeof transferFilterSchema>;

type Cursor = { v: string | number; id: string };
const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");
function decodeCursor(value: string | undefined): Cursor | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if ((typeof parsed.v === "string" || typeof parsed.v === "number") && typeof parsed.id === "string" && /^[0-9a-f-]{36}$/.test(parsed.id)) return parsed;
  } catch {
    // fall through: an unreadable cursor starts from the first page
  }
  return undefined;
}

/**
 * The cursor's sort value as the column's type, or undefined when it cannot be one (a cursor is
 * client-supplied text: a hand-made one starts from the first page instead of failing the query).
 */
function cursorValue(sort: TransferFilter["sort"], value: string | number): Date | string | number | undefined {
  if (sort === "newest" || sort === "oldest") {
    const date = typeof value === "string" && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) ? new Date(value) : undefined;
    return date && !Number.isNaN(date.getTime()) ? date : undefined;
  }
  if (sort === "size") return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  return typeof value === "string" && value.length <= 1000 && hasNoControlCharacters(value) ? value : undefined;
}

export interface TransferListRow {
  id: string;
  originalName: string;
  status: (typeof transferStatuses)[number];
  mode: string;
  kind: string;
  sizeBytes: number;
  sha256: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
  attemptCount: number;
  lastErrorCode: string | null;
  awaitingConfirmation: boolean;
  /** The payer's answer so far; null where the destination's answers are not collected. */
  responseStatus: PayerResponseStatus | null;
  destinationId: string;
  destinationName: string;
  organisationId: string;
  organisationName: string;
  /** Why a person last re-queued it, shown next to its status. */
  requeueReason: string | null;
}

/**
 * One page of transfers for the actor: partners see only their organisation, support and admins
 * see all. Keyset (cursor) pagination keeps every page as fast as the first.
 */
export async function listTransfers(actor: Actor, filter: TransferFilter): Promise<{ rows: TransferListRow[]; nextCursor?: string }> {
  let organisationId: string | undefined;
  if (actor.role === "partner") organisationId = actor.organisationId ?? "00000000-0000-0000-0000-000000000000";
  else {
    requireRole(actor, "admin", "support");
    organisationId = filter.organisationId;
  }
  const cursor = decodeCursor(filter.cursor);
  const value = cursor ? cursorValue(filter.sort, cursor.v) : undefined;
  const rows: TransferListRow[] = await listTransferRows(await getDb(), {
    organisationId,
    createdFrom: filter.from ? new Date(`${filter.from}T00:00:00Z`) : undefined,
    createdTo: filter.to ? new Date(`${filter.to}T23:59:59.999Z`) : undefined,
    status: filter.status,
    responseStatus: filter.response,
    destinationId: filter.destinationId,
    sha256: filter.sha256?.toLowerCase(),
    nameContains: filter.q,
    sort: filter.sort,
    after: cursor && value !== undefined ? { value, id: cursor.id } : undefined,
    limit: filter.limit + 1,
  });
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  const sortValue = (row: TransferListRow) =>
    filter.sort === "name" ? row.originalName : filter.sort === "size" ? row.sizeBytes : row.createdAt.toISOString();
  return { rows: page, nextCursor: rows.length > filter.limit && last ? encodeCursor({ v: sortValue(last), id: last.id }) : undefined };
}
