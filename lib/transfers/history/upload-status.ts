import "server-only";
import { z } from "zod";
import { getDb } from "@/db/client";
import type { PayerResponseStatus, Transfer } from "@/db/schema";
import { findTransfer } from "@/db/repositories/transfers";
import { requireApprovedPartner, type Actor } from "@/lib/auth/actor";
import { guideForCode, guideForStopCode } from "@/lib/guides";
import { isTransferStopCode, TRANSFER_ERROR_CODES, type TransferErrorCode } from "@/lib/transfers/errors";

/** The most rows the upload page follows in one request. */
export const MAX_STATUS_IDS = 50;

/** `?ids=<uuid>,<uuid>,…`: the transfers the upload page is following. */
export const uploadStatusQuery = z.object({
  ids: z
    .string()
    .transform((value) => [...new Set(value.split(",").filter(Boolean))])
    .pipe(z.array(z.string().uuid()).min(1).max(MAX_STATUS_IDS)),
});

export interface UploadStatusRow {
  id: string;
  status: Transfer["status"];
  /** The payer's verdict so far; null when the destination's answers are not collected. */
  responseStatus: PayerResponseStatus | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The guide for the error code, when there is one. */
  guide: { slug: string; title: string } | null;
}

function guideFor(code: string | null): UploadStatusRow["guide"] {
  if (!code) return null;
  const guide = Object.hasOwn(TRANSFER_ERROR_CODES, code) ? guideForCode(code as TransferErrorCode) : isTransferStopCode(code) ? guideForStopCode(code) : undefined;
  return guide ? { slug: guide.slug, title: guide.title } : null;
}

/**
 * Where each of the partner's uploads stands, for the upload page's live rows. Only the partner's own
 * organisation: another organisation's id (or an unknown one) is left out, as if it did not exist.
 */
export async function uploadStatuses(actor: Actor, ids: string[]): Promise<UploadStatusRow[]> {
  const partner = requireApprovedPartner(actor);
  const db = await getDb();
  const rows: UploadStatusRow[] = [];
  for (const id of ids.slice(0, MAX_STATUS_IDS)) {
    const transfer = await findTransfer(db, id);
    if (!transfer || transfer.organisationId !== partner.organisationId) continue;
    const stopped = transfer.status === "needs_attention" || transfer.status === "failed";
    rows.push({
      id: transfer.id,
      status: transfer.status,
      responseStatus: transfer.responseStatus ?? null,
      errorCode: stopped ? transfer.lastErrorCode : null,
      errorMessage: stopped ? transfer.lastErrorMessage : null,
      guide: stopped ? guideFor(transfer.lastErrorCode) : null,
    });
  }
  return rows;
}
