import "server-only";
import type { TransferFacts } from "@/db/repositories/notification-events";
import type { WebhookEvent } from "@/db/schema";
import { env } from "@/lib/env";

/**
 * The JSON body of an event. A summary of the transfer, never its staged path, credentials or
 * transcript: the receiver follows the link (or our API) for more.
 */
export function transferEventPayload(
  event: { id: string; type: WebhookEvent; createdAt: Date },
  transfer: TransferFacts,
  payerResponse?: PayerResponsePayload,
): Record<string, unknown> {
  return {
    id: event.id,
    type: event.type,
    created: event.createdAt.toISOString(),
    data: {
      ...(payerResponse ? { payerResponse } : {}),
      transfer: {
        id: transfer.id,
        fileName: transfer.originalName,
        remoteName: transfer.remoteName,
        sizeBytes: transfer.sizeBytes,
        sha256: transfer.sha256,
        status: transfer.status,
        mode: transfer.mode,
        destination: transfer.destinationName,
        attempts: transfer.attemptCount,
        errorCode: transfer.lastErrorCode,
        errorMessage: transfer.lastErrorMessage,
        createdAt: transfer.createdAt.toISOString(),
        deliveredAt: transfer.deliveredAt?.toISOString() ?? null,
        payerResponse: transfer.responseStatus,
        url: new URL(`/transfers/${transfer.id}`, env().PUBLIC_URL).toString(),
      },
    },
  };
}

/** What the payer said, for `transfer.accepted` / `transfer.rejected`: each answer and its first errors in plain words. */
export interface PayerResponsePayload {
  status: string | null;
  responses: Array<{ id: string; stage: string; verdict: string; headline: string; fileName: string; errors: string[] }>;
}

/** `response.received`: a payer file that answers nothing the organisation sent through us (an 835, a report). */
export function responseFileEventPayload(
  event: { id: string; type: WebhookEvent; createdAt: Date },
  file: { id: string; remoteName: string; kind: string; verdict: string | null; remoteSize: number; sha256: string; pickedUpAt: Date; destinationName: string },
): Record<string, unknown> {
  const base = env().PUBLIC_URL;
  return {
    id: event.id,
    type: event.type,
    created: event.createdAt.toISOString(),
    data: {
      responseFile: {
        id: file.id,
        fileName: file.remoteName,
        kind: file.kind,
        verdict: file.verdict,
        sizeBytes: file.remoteSize,
        sha256: file.sha256,
        destination: file.destinationName,
        pickedUpAt: file.pickedUpAt.toISOString(),
        url: new URL(`/responses/${file.id}`, base).toString(),
        downloadUrl: new URL(`/api/v1/responses/${file.id}/content`, base).toString(),
      },
    },
  };
}

/** The body of the "send test event" button. */
export function testEventPayload(eventId: string, created: Date): Record<string, unknown> {
  return {
    id: eventId,
    type: "webhook.test",
    created: created.toISOString(),
    data: { message: "A test event from the EDI Transfer Portal. Your endpoint and signature check work if you can read this." },
  };
}
