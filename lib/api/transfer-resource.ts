import "server-only";
import type { TransferListRow } from "@/lib/transfers/history/list";
import type { Transfer, TransferAttempt } from "@/db/schema";
import type { ResponseFileResource, TransferDetailResource, TransferListItemResource, TransferResource, TransferResponseResource } from "@/lib/api/schemas";
import type { ResponseFileListRow, TimelineEntry } from "@/lib/responses/service";

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export function transferResource(transfer: Transfer): TransferResource {
  return {
    id: transfer.id,
    status: transfer.status,
    awaitingConfirmation: transfer.awaitingConfirmation,
    mode: transfer.mode,
    kind: transfer.kind,
    fileName: transfer.originalName,
    size: transfer.sizeBytes,
    sha256: transfer.sha256,
    accountId: transfer.partnerAccountId,
    destinationId: transfer.destinationId,
    createdAt: iso(transfer.createdAt),
    updatedAt: iso(transfer.updatedAt),
    deliveredAt: isoOrNull(transfer.deliveredAt),
    attemptCount: transfer.attemptCount,
    lastError: transfer.lastErrorCode ? { code: transfer.lastErrorCode, message: transfer.lastErrorMessage } : null,
    payerResponse: transfer.responseStatus,
    payerResponseDueAt: transfer.responseStatus === "awaiting" ? isoOrNull(transfer.responseDueAt) : null,
    findings: transfer.checks.map((check) => ({
      code: check.code,
      severity: check.severity as "block" | "warn" | "confirm",
      message: check.message,
      ...(check.suggestion ? { suggestion: check.suggestion } : {}),
    })),
  };
}

/** One attempt as partners may see it: the internal error detail and negotiation facts stay inside. */
function attemptResource(attempt: TransferAttempt): TransferDetailResource["attempts"][number] {
  return {
    number: attempt.number,
    startedAt: iso(attempt.startedAt),
    finishedAt: isoOrNull(attempt.finishedAt),
    durationMs: attempt.durationMs,
    bytes: attempt.bytes,
    resumedFromByte: attempt.resumedFromByte,
    remotePath: attempt.remotePath,
    error: attempt.errorCode ? { code: attempt.errorCode, message: attempt.errorMessage, transient: attempt.transient } : null,
    transcript: attempt.transcript.map(({ at, stage, direction, message }) => ({ at, stage, direction, message })),
  };
}

export function transferDetailResource(detail: { transfer: Transfer; destinationName: string; attempts: TransferAttempt[] }, responses: TimelineEntry[]): TransferDetailResource {
  return { ...transferResource(detail.transfer), destinationName: detail.destinationName, attempts: detail.attempts.map(attemptResource), responses: responses.map(transferResponseResource) };
}

export function transferResponseResource(entry: TimelineEntry): TransferResponseResource {
  return {
    responseFileId: entry.responseFileId,
    stage: entry.stage as TransferResponseResource["stage"],
    verdict: entry.verdict as TransferResponseResource["verdict"],
    headline: entry.headline,
    fileName: entry.fileName,
    receivedAt: iso(entry.pickedUpAt),
    claims: entry.claims ?? null,
    errors: entry.findings.map((finding) => ({ message: finding.sentence, segment: finding.raw, claim: finding.claim ?? null })),
  };
}

export function responseFileResource(row: ResponseFileListRow): ResponseFileResource {
  return {
    id: row.id,
    fileName: row.remoteName,
    kind: row.kind,
    verdict: row.verdict,
    unreadableReason: row.unreadableReason,
    size: row.sizeBytes,
    sha256: row.sha256,
    destinationName: row.destinationName,
    linkedTransfers: row.linkedTransfers,
    receivedAt: iso(row.pickedUpAt),
    downloadable: row.available,
  };
}

export function transferListItemResource(row: TransferListRow): TransferListItemResource {
  return {
    id: row.id,
    status: row.status,
    awaitingConfirmation: row.awaitingConfirmation,
    mode: row.mode as "test" | "production",
    kind: row.kind as "upload" | "api" | "admin_test",
    fileName: row.originalName,
    size: row.sizeBytes,
    sha256: row.sha256,
    destinationId: row.destinationId,
    destinationName: row.destinationName,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    deliveredAt: isoOrNull(row.deliveredAt),
    attemptCount: row.attemptCount,
    lastError: row.lastErrorCode ? { code: row.lastErrorCode, message: null } : null,
    payerResponse: row.responseStatus,
  };
}
