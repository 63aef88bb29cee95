import "server-only";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, organisations, partnerAccounts, transferAttempts, transfers, users, type Transfer, type TransferAttempt } from "@/db/schema";
import { NotFoundError } from "@/lib/errors";
import type { TranscriptLine } from "@/lib/transfers/transcript";
import { assertCanRead, type Actor } from "@/lib/auth/actor";
import { recordNotificationEvent, TRANSFER_EVENT_FOR_STATUS } from "@/lib/notifications/outbox";

export type NewTransfer = Pick<
  Transfer,
  "organisationId" | "partnerAccountId" | "destinationId" | "kind" | "mode" | "originalName" | "remoteName" | "sizeBytes" | "sha256" | "stagingKey" | "uploadedBy" | "uploaderIp"
> & { status: Transfer["status"] } & Partial<Pick<Transfer, "uploadId" | "checks" | "awaitingConfirmation">>;

/** Called by the upload pipeline and the admin test button after they authorised the actor. */
export async function insertTransfer(values: NewTransfer): Promise<Transfer> {
  const db = await getDb();
  const [row] = await db.insert(transfers).values(values).returning();
  return row;
}

export async function getTransferDetail(actor: Actor, id: string) {
  const db = await getDb();
  const [row] = await db
    .select({
      transfer: transfers,
      destinationName: destinations.name,
      protocol: destinations.protocol,
      organisationName: organisations.name,
      username: partnerAccounts.username,
      uploaderName: users.name,
      uploaderEmail: users.email,
    })
    .from(transfers)
    .innerJoin(destinations, eq(destinations.id, transfers.destinationId))
    .innerJoin(organisations, eq(organisations.id, transfers.organisationId))
    .innerJoin(partnerAccounts, eq(partnerAccounts.id, transfers.partnerAccountId))
    .leftJoin(users, eq(users.id, transfers.uploadedBy))
    .where(eq(transfers.id, id));
  if (!row) throw new NotFoundError("transfer");
  assertCanRead(actor, row.transfer.organisationId, "transfer");
  const attempts = await db.select().from(transferAttempts).where(eq(transferAttempts.transferId, id)).orderBy(asc(transferAttempts.number));
  return { ...row, attempts };
}

export async function getTransferForActor(actor: Actor, id: string): Promise<Transfer> {
  const db = await getDb();
  const [row] = await db.select().from(transfers).where(eq(transfers.id, id));
  if (!row) throw new NotFoundError("transfer");
  assertCanRead(actor, row.organisationId, "transfer");
  return row;
}

/** Status and bookkeeping changes made by the upload pipeline after it authorised the actor. */
export async function updateTransfer(id: string, patch: Partial<typeof transfers.$inferInsert>): Promise<Transfer> {
  const db = await getDb();
  const [row] = await db.update(transfers).set({ ...patch, updatedAt: sql`now()` }).where(eq(transfers.id, id)).returning();
  if (!row) throw new NotFoundError("transfer");
  return row;
}

/* ---- relay bookkeeping (system-level: the worker acts for the transfer's owner) ---- */

export async function loadTransferForRelay(id: string): Promise<Transfer | undefined> {
  const db = await getDb();
  const [row] = await db.select().from(transfers).where(eq(transfers.id, id));
  return row;
}

export async function startAttempt(transferId: string): Promise<TransferAttempt> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(transfers)
      .set({ status: "sending", attemptCount: sql`${transfers.attemptCount} + 1`, updatedAt: sql`now()` })
      .where(eq(transfers.id, transferId))
      .returning({ attemptCount: transfers.attemptCount });
    const [attempt] = await tx.insert(transferAttempts).values({ transferId, number: updated.attemptCount, startedAt: new Date() }).returning();
    return attempt;
  });
}

export interface AttemptOutcome {
  bytes: number;
  durationMs: number;
  resumedFromByte?: number;
  remotePath?: string;
  negotiated?: Record<string, unknown>;
  transcript: TranscriptLine[];
  error?: { code: string; message: string; detail?: string; transient: boolean };
}

export async function finishAttempt(attempt: TransferAttempt, outcome: AttemptOutcome, nextStatus: Transfer["status"]): Promise<void> {
  const db = await getDb();
  await db.transaction(async (tx) => {
    await tx
      .update(transferAttempts)
      .set({
        finishedAt: new Date(),
        bytes: outcome.bytes,
        durationMs: outcome.durationMs,
        resumedFromByte: outcome.resumedFromByte ?? 0,
        remotePath: outcome.remotePath ?? null,
        negotiated: outcome.negotiated ?? null,
        transcript: outcome.transcript,
        errorCode: outcome.error?.code ?? null,
        errorMessage: outcome.error?.message ?? null,
        errorDetail: outcome.error?.detail ?? null,
        transient: outcome.error ? outcome.error.transient : null,
      })
      .where(eq(transferAttempts.id, attempt.id));
    const [updated] = await tx
      .update(transfers)
      .set({
        status: nextStatus,
        updatedAt: sql`now()`,
        lastErrorCode: outcome.error?.code ?? null,
        lastErrorMessage: outcome.error?.message ?? null,
        ...(nextStatus === "delivered" ? { deliveredAt: sql`now()` } : {}),
      })
      // A transfer already recorded as delivered (by a worker that found the file on the server
      // while this one could not reach the database) keeps that record and sends no second event.
      .where(and(eq(transfers.id, attempt.transferId), isNull(transfers.deliveredAt)))
      .returning({ organisationId: transfers.organisationId, kind: transfers.kind });
    // The outbox row commits with the status: whoever must hear about it will, even after a crash.
    // An admin's test file is the admin's business; the organisation hears only of its own files.
    const eventType = TRANSFER_EVENT_FOR_STATUS[nextStatus];
    if (eventType && updated && updated.kind !== "admin_test") await recordNotificationEvent(tx, { type: eventType, organisationId: updated.organisationId, transferId: attempt.transferId });
  });
}
