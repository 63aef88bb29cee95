import "server-only";
import { and, desc, eq, exists, gte, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, organisations, partnerAccounts, transferAttempts, transfers, users, type Transfer } from "@/db/schema";

/*
 * The transfers table. No write here takes a free-form patch: each one is a named step of a
 * transfer's life (received, rejected, held, released, queued, claimed, delivered…), guarded where two
 * processes may race for the same row.
 */

export type NewTransfer = Pick<
  Transfer,
  "organisationId" | "partnerAccountId" | "destinationId" | "kind" | "mode" | "originalName" | "remoteName" | "sizeBytes" | "sha256" | "stagingKey" | "uploadedBy" | "uploaderIp"
> & { status: Transfer["status"] } & Partial<Pick<Transfer, "uploadId" | "checks" | "awaitingConfirmation">>;

export type TransferChecks = Transfer["checks"];

/** One statement: the row exists complete (size, hash, staging key, checks, flags) or not at all. */
export async function insertTransfer(db: Executor, values: NewTransfer): Promise<Transfer> {
  const [row] = await db.insert(transfers).values(values).returning();
  return row;
}

export async function findTransfer(db: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<Transfer | undefined> {
  const query = db.select().from(transfers).where(eq(transfers.id, id));
  const [row] = options.forUpdate ? await query.for("update") : await query;
  return row;
}

/** The row of a browser upload, only inside the given organisation. */
export async function findTransferOfUpload(db: Executor, organisationId: string, uploadId: string): Promise<Transfer | undefined> {
  const [row] = await db.select().from(transfers).where(and(eq(transfers.uploadId, uploadId), eq(transfers.organisationId, organisationId)));
  return row;
}

/** A transfer with the names shown next to it (destination, organisation, account, uploader). */
export async function findTransferWithNames(db: Executor, id: string) {
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
  return row;
}

/** The organisation's latest delivery of identical contents since `since`, if any. */
export async function findRecentDeliveryOfContents(db: Executor, scope: { organisationId: string; sha256: string; since: Date }) {
  const [row] = await db
    .select({ id: transfers.id, deliveredAt: transfers.deliveredAt, name: transfers.originalName })
    .from(transfers)
    .where(and(eq(transfers.organisationId, scope.organisationId), eq(transfers.sha256, scope.sha256), eq(transfers.status, "delivered"), gte(transfers.deliveredAt, scope.since)))
    .orderBy(desc(transfers.deliveredAt))
    .limit(1);
  return row;
}

/* ---- the upload pipeline ---- */

export interface ReceivedFile {
  sizeBytes: number;
  sha256: string;
  checks: TransferChecks;
  stagingKey: string;
  /** Held for the partner's decision (a duplicate of a recent delivery) instead of going on to the relay. */
  awaitingConfirmation: boolean;
}

/** A browser upload's row gets its complete file, in one statement. */
export async function markReceived(db: Executor, id: string, file: ReceivedFile): Promise<Transfer | undefined> {
  const [row] = await db
    .update(transfers)
    .set({ ...file, status: "received", updatedAt: sql`now()` })
    .where(eq(transfers.id, id))
    .returning();
  return row;
}

/** A browser upload whose file a check blocked: failed, its staged bytes no longer referenced. */
export async function markRejectedByChecks(
  db: Executor,
  id: string,
  file: { sizeBytes: number; sha256: string; checks: TransferChecks },
  error: { code: string; message: string },
): Promise<Transfer | undefined> {
  const [row] = await db
    .update(transfers)
    .set({ ...file, status: "failed", stagingKey: null, lastErrorCode: error.code, lastErrorMessage: error.message, updatedAt: sql`now()` })
    .where(eq(transfers.id, id))
    .returning();
  return row;
}

/** "Send anyway": a held transfer goes on to the relay. Only a row still held moves (two answers at once: one wins). */
export async function releaseHeldTransfer(db: Executor, id: string): Promise<Transfer | undefined> {
  const [row] = await db
    .update(transfers)
    .set({ awaitingConfirmation: false, status: "queued", updatedAt: sql`now()` })
    .where(and(eq(transfers.id, id), eq(transfers.awaitingConfirmation, true)))
    .returning();
  return row;
}

/** "Don't send": a held transfer ends failed, its staged bytes no longer referenced. Only a row still held moves. */
export async function cancelHeldTransfer(db: Executor, id: string, error: { code: string; message: string }): Promise<Transfer | undefined> {
  const [row] = await db
    .update(transfers)
    .set({ awaitingConfirmation: false, status: "failed", stagingKey: null, lastErrorCode: error.code, lastErrorMessage: error.message, updatedAt: sql`now()` })
    .where(and(eq(transfers.id, id), eq(transfers.awaitingConfirmation, true)))
    .returning();
  return row;
}

/** A browser upload cancelled (terminated) before it finished: only a row still "uploading" moves. */
export async function markUploadCancelled(db: Executor, organisationId: string, uploadId: string, error: { code: string; message: string }): Promise<string[]> {
  const rows = await db
    .update(transfers)
    .set({ status: "failed", stagingKey: null, lastErrorCode: error.code, lastErrorMessage: error.message, updatedAt: sql`now()` })
    .where(and(eq(transfers.uploadId, uploadId), eq(transfers.organisationId, organisationId), eq(transfers.status, "uploading")))
    .returning({ id: transfers.id });
  return rows.map((row) => row.id);
}

/* ---- the relay ---- */

export interface RelayState {
  status: Transfer["status"];
  attemptCount: number;
  delivered: boolean;
}

export async function findRelayState(db: Executor, id: string): Promise<RelayState | undefined> {
  const [row] = await db
    .select({ status: transfers.status, attemptCount: transfers.attemptCount, delivered: sql<boolean>`(${transfers.deliveredAt} IS NOT NULL OR ${transfers.status} = 'delivered')` })
    .from(transfers)
    .where(eq(transfers.id, id));
  return row ? { status: row.status, attemptCount: Number(row.attemptCount), delivered: Boolean(row.delivered) } : undefined;
}

/** Into "queued" (waiting for the relay) from any state a relay job may start from; never a delivered row. */
export async function markQueued(db: Executor, id: string): Promise<void> {
  await db
    .update(transfers)
    .set({ status: "queued", updatedAt: sql`now()` })
    .where(and(eq(transfers.id, id), isNull(transfers.deliveredAt), inArray(transfers.status, ["received", "queued", "failed", "needs_attention"])));
}

/** A person sends a stopped transfer back: only from one of `from` (two re-queues at once: one wins). */
export async function requeueStoppedTransfer(db: Executor, id: string, from: readonly Transfer["status"][]): Promise<boolean> {
  const rows = await db
    .update(transfers)
    .set({ status: "queued", updatedAt: sql`now()` })
    .where(and(eq(transfers.id, id), inArray(transfers.status, [...from])))
    .returning({ id: transfers.id });
  return rows.length > 0;
}

const leaseExpired = (leaseSeconds: number) => lt(transfers.updatedAt, sql`now() - ${leaseSeconds}::int * interval '1 second'`);

/**
 * The compare-and-set that is the only way into "sending": a queued row, or a "sending" row whose
 * lease ran out (its worker died). Never a delivered row. Returns the attempt count, or undefined.
 */
export async function claimForSending(db: Executor, id: string, leaseSeconds: number): Promise<number | undefined> {
  const [row] = await db
    .update(transfers)
    .set({ status: "sending", updatedAt: sql`now()` })
    .where(and(eq(transfers.id, id), isNull(transfers.deliveredAt), or(eq(transfers.status, "queued"), and(eq(transfers.status, "sending"), leaseExpired(leaseSeconds)))))
    .returning({ attemptCount: transfers.attemptCount });
  return row ? Number(row.attemptCount) : undefined;
}

/**
 * Refreshes the lease of a transfer being sent. A row put back to "queued" while an attempt is
 * still open (an older caller marked it queued after queueing it) is "sending" again.
 */
export async function renewSendingLease(db: Executor, id: string): Promise<void> {
  const openAttempt = db
    .select({ one: sql`1` })
    .from(transferAttempts)
    .where(and(eq(transferAttempts.transferId, id), isNull(transferAttempts.finishedAt)));
  await db
    .update(transfers)
    .set({ status: "sending", updatedAt: sql`now()` })
    .where(and(eq(transfers.id, id), isNull(transfers.deliveredAt), or(eq(transfers.status, "sending"), and(eq(transfers.status, "queued"), exists(openAttempt)))));
}

/** A claimed transfer goes back to "queued" (its worker failed outside a recorded attempt). */
export async function releaseSendingClaim(db: Executor, id: string): Promise<void> {
  await db
    .update(transfers)
    .set({ status: "queued", updatedAt: sql`now()` })
    .where(and(eq(transfers.id, id), eq(transfers.status, "sending"), isNull(transfers.deliveredAt)));
}

/** Every undelivered "sending" row back to "queued" (single owner only: nobody else can be sending). Returns their ids. */
export async function requeueAllSending(db: Executor): Promise<string[]> {
  const rows = await db
    .update(transfers)
    .set({ status: "queued", updatedAt: sql`now()` })
    .where(and(eq(transfers.status, "sending"), isNull(transfers.deliveredAt)))
    .returning({ id: transfers.id });
  return rows.map((row) => row.id);
}

/** An attempt starts: "sending", one more attempt counted. Returns the new count (the attempt's number). */
export async function countAttemptStarted(db: Executor, id: string): Promise<number | undefined> {
  const [row] = await db
    .update(transfers)
    .set({ status: "sending", attemptCount: sql`${transfers.attemptCount} + 1`, updatedAt: sql`now()` })
    .where(eq(transfers.id, id))
    .returning({ attemptCount: transfers.attemptCount });
  return row ? Number(row.attemptCount) : undefined;
}

export interface SettledTransfer {
  organisationId: string;
  kind: Transfer["kind"];
}

/**
 * Delivered. A row already recorded as delivered (by a worker that found the file on the server
 * while another could not reach the database) keeps that record: undefined then.
 */
const awaitsAnswer = sql`d.id = ${transfers.destinationId} and d.response_dir is not null and ${transfers.kind} <> 'admin_test' and exists (select 1 from submission_references r where r.transfer_id = ${transfers.id})`;

export async function markDelivered(db: Executor, id: string): Promise<SettledTransfer | undefined> {
  const [row] = await db
    .update(transfers)
    .set({
      status: "delivered",
      deliveredAt: sql`now()`,
      lastErrorCode: null,
      lastErrorMessage: null,
      updatedAt: sql`now()`,
      // Where the destination's answers are collected, the payer's verdict on an X12 submission (one
      // whose control numbers intake recorded) is awaited from now on, until the destination's deadline.
      responseStatus: sql`coalesce(${transfers.responseStatus}, (select 'awaiting' from destinations d where ${awaitsAnswer}))`,
      responseDueAt: sql`coalesce(${transfers.responseDueAt}, (select now() + make_interval(hours => d.response_wait_hours) from destinations d where ${awaitsAnswer}))`,
    })
    .where(and(eq(transfers.id, id), isNull(transfers.deliveredAt)))
    .returning({ organisationId: transfers.organisationId, kind: transfers.kind });
  return row;
}

/** An attempt failed: retried ("queued") or stopped ("failed", "needs_attention"). Never over a delivered row. */
export async function markAttemptFailed(
  db: Executor,
  id: string,
  status: "queued" | "failed" | "needs_attention",
  error: { code: string; message: string } | null,
): Promise<SettledTransfer | undefined> {
  const [row] = await db
    .update(transfers)
    .set({ status, lastErrorCode: error?.code ?? null, lastErrorMessage: error?.message ?? null, updatedAt: sql`now()` })
    .where(and(eq(transfers.id, id), isNull(transfers.deliveredAt)))
    .returning({ organisationId: transfers.organisationId, kind: transfers.kind });
  return row;
}

/* ---- the payer's answer (lib/responses) ---- */

/** The row, locked, as the response recorder needs it: its answer so far and whether it waits for one. */
export async function findTransferForResponse(db: Executor, id: string) {
  const [row] = await db
    .select({ id: transfers.id, organisationId: transfers.organisationId, kind: transfers.kind, status: transfers.status, lastErrorCode: transfers.lastErrorCode, responseStatus: transfers.responseStatus })
    .from(transfers)
    .where(eq(transfers.id, id))
    .for("update");
  return row;
}

/**
 * The payer answered. A transfer that had been marked "no response" (and so needed attention) is
 * delivered again with the answer, since that was the only thing wrong with it.
 */
export async function setResponseStatus(db: Executor, id: string, responseStatus: NonNullable<Transfer["responseStatus"]>, noResponseCode: string): Promise<void> {
  await db
    .update(transfers)
    .set({
      responseStatus,
      status: sql`case when ${transfers.status} = 'needs_attention' and ${transfers.lastErrorCode} = ${noResponseCode} then 'delivered'::transfer_status else ${transfers.status} end`,
      lastErrorCode: sql`case when ${transfers.lastErrorCode} = ${noResponseCode} then null else ${transfers.lastErrorCode} end`,
      lastErrorMessage: sql`case when ${transfers.lastErrorCode} = ${noResponseCode} then null else ${transfers.lastErrorMessage} end`,
      updatedAt: sql`now()`,
    })
    .where(eq(transfers.id, id));
}

/** Delivered transfers still awaiting an answer after their deadline. */
export async function findOverdueResponses(db: Executor, now: Date, limit = 200): Promise<Array<{ id: string; organisationId: string; kind: Transfer["kind"] }>> {
  return db
    .select({ id: transfers.id, organisationId: transfers.organisationId, kind: transfers.kind })
    .from(transfers)
    .where(and(eq(transfers.responseStatus, "awaiting"), lt(transfers.responseDueAt, now)))
    .limit(limit);
}

/** No answer in time: the transfer needs attention. Only a row still awaiting moves (two schedulers, one change). */
export async function markNoResponse(db: Executor, id: string, error: { code: string; message: string }): Promise<boolean> {
  const rows = await db
    .update(transfers)
    .set({ responseStatus: "no_response", status: "needs_attention", lastErrorCode: error.code, lastErrorMessage: error.message, updatedAt: sql`now()` })
    .where(and(eq(transfers.id, id), eq(transfers.responseStatus, "awaiting")))
    .returning({ id: transfers.id });
  return rows.length > 0;
}
