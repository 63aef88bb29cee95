import "server-only";
import { and, asc, desc, eq, gt, gte, ilike, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db/client";
import { destinations, organisations, transferEvents, transfers } from "@/db/schema";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { CONTROL_CHARACTERS_MESSAGE, containsPattern, hasNoControlCharacters } from "@/db/like-pattern";

export const transferStatuses = ["uploading", "received", "queued", "sending", "delivered", "needs_attention", "failed"] as const;
export const transferSorts = ["newest", "oldest", "name", "size"] as const;

const dateOnly = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-11-21.");

/** Filters shared by the history page, its CSV export and the partner API; every value validated. */
export const transferFilterSchema = z.object({
  from: dateOnly.optional(),
  to: dateOnly.optional(),
  status: z.enum(transferStatuses).optional(),
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

const sortColumns = {
  newest: { column: transfers.createdAt, direction: "desc" },
  oldest: { column: transfers.createdAt, direction: "asc" },
  name: { column: transfers.originalName, direction: "asc" },
  size: { column: transfers.sizeBytes, direction: "desc" },
} as const;

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
  const conditions: SQL[] = [];
  if (actor.role === "partner") conditions.push(eq(transfers.organisationId, actor.organisationId ?? "00000000-0000-0000-0000-000000000000"));
  else {
    requireRole(actor, "admin", "support");
    if (filter.organisationId) conditions.push(eq(transfers.organisationId, filter.organisationId));
  }
  if (filter.from) conditions.push(gte(transfers.createdAt, new Date(`${filter.from}T00:00:00Z`)));
  if (filter.to) conditions.push(lte(transfers.createdAt, new Date(`${filter.to}T23:59:59.999Z`)));
  if (filter.status) conditions.push(eq(transfers.status, filter.status));
  if (filter.destinationId) conditions.push(eq(transfers.destinationId, filter.destinationId));
  if (filter.sha256) {
    const digest = filter.sha256.toLowerCase();
    // A prefix is a range on the indexed column: [prefix, prefix + "g"), since every digest character is below "g".
    conditions.push(digest.length === 64 ? eq(transfers.sha256, digest) : and(gte(transfers.sha256, digest), lt(transfers.sha256, `${digest}g`))!);
  }
  if (filter.q) conditions.push(ilike(transfers.originalName, containsPattern(filter.q)));

  const { column, direction } = sortColumns[filter.sort];
  const cursor = decodeCursor(filter.cursor);
  const value = cursor ? cursorValue(filter.sort, cursor.v) : undefined;
  if (cursor && value !== undefined) {
    const after = direction === "desc" ? lt : gt;
    conditions.push(or(after(column, value as never), and(eq(column, value as never), after(transfers.id, cursor.id)))!);
  }
  const order = direction === "desc" ? [desc(column), desc(transfers.id)] : [asc(column), asc(transfers.id)];
  const db = await getDb();
  const rows = await db
    .select({
      id: transfers.id,
      originalName: transfers.originalName,
      status: transfers.status,
      mode: transfers.mode,
      kind: transfers.kind,
      sizeBytes: transfers.sizeBytes,
      sha256: transfers.sha256,
      createdAt: transfers.createdAt,
      updatedAt: transfers.updatedAt,
      deliveredAt: transfers.deliveredAt,
      attemptCount: transfers.attemptCount,
      lastErrorCode: transfers.lastErrorCode,
      awaitingConfirmation: transfers.awaitingConfirmation,
      destinationId: transfers.destinationId,
      destinationName: destinations.name,
      organisationId: transfers.organisationId,
      organisationName: organisations.name,
      requeueReason: sql<string | null>`(select e.reason from ${transferEvents} e where e.transfer_id = ${transfers.id} and e.kind = 'requeued' order by e.at desc limit 1)`,
    })
    .from(transfers)
    .innerJoin(destinations, eq(destinations.id, transfers.destinationId))
    .innerJoin(organisations, eq(organisations.id, transfers.organisationId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(...order)
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  const sortValue = (row: TransferListRow) =>
    filter.sort === "name" ? row.originalName : filter.sort === "size" ? row.sizeBytes : row.createdAt.toISOString();
  return { rows: page, nextCursor: rows.length > filter.limit && last ? encodeCursor({ v: sortValue(last), id: last.id }) : undefined };
}
