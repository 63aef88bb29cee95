import "server-only";
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { transferAttempts, type TransferAttempt } from "@/db/schema";

export async function listAttemptsOfTransfer(db: Executor, transferId: string): Promise<TransferAttempt[]> {
  return db.select().from(transferAttempts).where(eq(transferAttempts.transferId, transferId)).orderBy(asc(transferAttempts.number));
}

export async function insertAttempt(db: Executor, values: { transferId: string; number: number; startedAt: Date }): Promise<TransferAttempt> {
  const [row] = await db.insert(transferAttempts).values(values).returning();
  return row;
}

export interface AttemptRecord {
  bytes: number;
  durationMs: number;
  resumedFromByte: number;
  remotePath: string | null;
  negotiated: Record<string, unknown> | null;
  transcript: TransferAttempt["transcript"];
  error: { code: string; message: string; detail: string | null; transient: boolean } | null;
}

/** What an attempt did, written once it ended. */
export async function markAttemptFinished(db: Executor, attemptId: string, record: AttemptRecord): Promise<void> {
  await db
    .update(transferAttempts)
    .set({
      finishedAt: new Date(),
      bytes: record.bytes,
      durationMs: record.durationMs,
      resumedFromByte: record.resumedFromByte,
      remotePath: record.remotePath,
      negotiated: record.negotiated,
      transcript: record.transcript,
      errorCode: record.error?.code ?? null,
      errorMessage: record.error?.message ?? null,
      errorDetail: record.error?.detail ?? null,
      transient: record.error ? record.error.transient : null,
    })
    .where(eq(transferAttempts.id, attemptId));
}

/** Attempts still open on these transfers were cut short (their worker died): closed as failed with `error`. */
export async function closeOpenAttempts(db: Executor, transferIds: string[], error: { code: string; message: string; transient: boolean }): Promise<void> {
  if (!transferIds.length) return;
  await db
    .update(transferAttempts)
    .set({ finishedAt: sql`now()`, errorCode: error.code, errorMessage: error.message, transient: error.transient })
    .where(and(inArray(transferAttempts.transferId, transferIds), isNull(transferAttempts.finishedAt)));
}
