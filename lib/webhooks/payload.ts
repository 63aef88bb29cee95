import "server-only";
import type { TransferFacts } from "@/db/repositories/notification-events";
import type { WebhookEvent } from "@/db/schema";
import { env } from "@/lib/env";

/**
 * The JSON body of an event. A summary of the transfer, never its staged path, credentials or
 * transcript: the receiver follows the link (or our API) for more.
 */
export function transferEventPayload(event: { id: string; type: WebhookEvent; createdAt: Date }, transfer: TransferFacts): Record<string, unknown> {
  return {
    id: event.id,
    type: event.type,
    created: event.createdAt.toISOString(),
    data: {
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
        url: new URL(`/transfers/${transfer.id}`, env().PUBLIC_URL).toString(),
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
