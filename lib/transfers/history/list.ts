import "server-only";
import { z } from "zod";
import { getDb } from "@/db/client";
import { countTransferRows, listTransferRows, type TransferListFilter } from "@/db/repositories/transfer-history";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { CONTROL_CHARACTERS_MESSAGE, hasNoControlCharacters } from "@/db/like-pattern";
import type { PayerResponseStatus } from "@/db/schema";

export const payerResponseStatuses = ["awaiting", "accepted", "accepted_with_errors", "partially_accepted", "rejected", "no_response"] as const satisfies readonly PayerResponseStatus[];

export const transferStatuses = ["uploading", "received", "queued", "sending", "delivered", "needs_attention", "failed"] as const;
/** newest/oldest: by when it was received; name: A–Z (name_desc Z–A); size: largest first (size_asc smallest first). */
export const transferSorts = ["newest", "oldest", "name", "name_desc", "size", "size_asc"] as const;

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

/** A page boundary: the sort value and id of a row; `b` marks a cursor that pages backwards (the page before that row). */
type Cursor = { v: string | number; id: string; b?: 1 };
const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");
function decodeCursor(value: string | undefined): Cursor | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if ((typeof parsed.v === "string" || typeof parsed.v === "number") && typeof parsed.id === "string" && /^[0-9a-f-]{36}$/.test(parsed.id)) {
      return { v: parsed.v, id: parsed.id, ...(parsed.b === 1 ? { b: 1 as const } : {}) };
    }
  } catch {
    // fall through: an unreadable cursor starts from the first page
  }
  return undefined;
}

/**
 * The cursor's sort value as the column's type, or undefined when it cannot be one (a cursor is
 * client-supplied text: a hand-made one starts from the first page instead of failing the query).
 */
function cursorValue(sort: TransferFilter["sort"], value: string | number): string | number | undefined {
  if (sort === "newest" || sort === "oldest") {
    // The upload time as stored, to the microsecond (older cursors carry milliseconds); a real
    // calendar time, which the database will accept (a JavaScript Date would roll 02-30 over).
    if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(value)) return undefined;
    const date = new Date(value);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19) === value.slice(0, 19) ? value : undefined;
  }
  if (sort === "size" || sort === "size_asc") return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
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

function scopeOf(actor: Actor, filter: TransferFilter): string | undefined {
  if (actor.role === "partner") return actor.organisationId ?? "00000000-0000-0000-0000-000000000000";
  requireRole(actor, "admin", "support");
  return filter.organisationId;
}

function filterOf(actor: Actor, filter: TransferFilter): TransferListFilter {
  return {
    organisationId: scopeOf(actor, filter),
    createdFrom: filter.from ? new Date(`${filter.from}T00:00:00Z`) : undefined,
    createdTo: filter.to ? new Date(`${filter.to}T23:59:59.999Z`) : undefined,
    status: filter.status,
    responseStatus: filter.response,
    destinationId: filter.destinationId,
    sha256: filter.sha256?.toLowerCase(),
    nameContains: filter.q,
  };
}

/**
 * One page of transfers for the actor: partners see only their organisation, support and admins
 * see all. Keyset (cursor) pagination keeps every page as fast as the first; `nextCursor` opens the
 * page after this one, `previousCursor` (pages only: the API pages forwards) the page before it.
 */
export async function listTransfers(actor: Actor, filter: TransferFilter): Promise<{ rows: TransferListRow[]; nextCursor?: string; previousCursor?: string }> {
  const scope = filterOf(actor, filter);
  const cursor = decodeCursor(filter.cursor);
  const value = cursor ? cursorValue(filter.sort, cursor.v) : undefined;
  const boundary = cursor && value !== undefined ? { value, id: cursor.id } : undefined;
  const backwards = Boolean(boundary && cursor?.b);
  const fetched = await listTransferRows(await getDb(), {
    ...scope,
    sort: filter.sort,
    after: backwards ? undefined : boundary,
    before: backwards ? boundary : undefined,
    limit: filter.limit + 1,
  });
  const more = fetched.length > filter.limit;
  const page = fetched.slice(0, filter.limit);
  if (backwards) page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const sortValue = (row: (typeof fetched)[number]) =>
    filter.sort === "name" || filter.sort === "name_desc" ? row.originalName : filter.sort === "size" || filter.sort === "size_asc" ? row.sizeBytes : row.createdAtExact;
  // Forwards, there is a page after when more rows came back, and one before when we came from a cursor;
  // backwards, the other way round.
  const hasNext = backwards ? Boolean(boundary) : more;
  const hasPrevious = backwards ? more : Boolean(boundary);
  return {
    rows: page.map(({ createdAtExact: _exact, ...row }): TransferListRow => row),
    nextCursor: hasNext && last ? encodeCursor({ v: sortValue(last), id: last.id }) : undefined,
    previousCursor: hasPrevious && first ? encodeCursor({ v: sortValue(first), id: first.id, b: 1 }) : undefined,
  };
}

/** How many transfers match the filter in the actor's scope (the cursor and sort aside). */
/** Totals beyond this are shown as "more than 10,000": counting further costs every page view more than the figure is worth. */
export const TRANSFER_COUNT_CAP = 10_000;

/** How many transfers the filter matches: exact up to TRANSFER_COUNT_CAP, else `{ count: cap, exact: false }`. */
export async function countTransfers(actor: Actor, filter: TransferFilter): Promise<{ count: number; exact: boolean }> {
  const counted = await countTransferRows(await getDb(), filterOf(actor, filter), TRANSFER_COUNT_CAP);
  return counted > TRANSFER_COUNT_CAP ? { count: TRANSFER_COUNT_CAP, exact: false } : { count: counted, exact: true };
}
