import "server-only";
import { and, desc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { responseLinks, submissionReferences, transfers, type SubmissionReference } from "@/db/schema";

/*
 * The control numbers each submission carried (written at intake, in the transaction that accepts
 * the file) and the lookups acknowledgements are linked by. Every lookup is inside one organisation.
 */

export type NewSubmissionReference = Omit<SubmissionReference, "id" | "transferId" | "organisationId">;

/** Inserted in slices: an 837 may hold thousands of claims, and one statement has a parameter limit. */
export async function insertSubmissionReferences(db: Executor, transferId: string, organisationId: string, references: NewSubmissionReference[]): Promise<void> {
  for (let start = 0; start < references.length; start += 500) {
    const slice = references.slice(start, start + 500).map((reference) => ({ ...reference, transferId, organisationId }));
    await db.insert(submissionReferences).values(slice);
  }
}

export async function listReferencesOfTransfer(db: Executor, transferId: string): Promise<SubmissionReference[]> {
  return db.select().from(submissionReferences).where(eq(submissionReferences.transferId, transferId)).orderBy(submissionReferences.id);
}

export interface ReferenceMatch {
  transferId: string;
  partnerAccountId: string;
  detail: Record<string, string> | null;
  /** An acknowledgement of this stage is already linked to the transfer. */
  alreadyAnswered: boolean;
}

/**
 * Delivered submissions of one organisation that carried this control number (and, when given,
 * this sender and receiver), best candidate first: one of the account the answer came from, not yet
 * answered at this stage, most recently delivered. Control numbers are reused over the years; the
 * order picks the submission a payer is answering now.
 */
export async function findSubmissionsByReference(
  db: Executor,
  query: {
    organisationId: string;
    kind: SubmissionReference["kind"];
    controlNumber: string;
    senderId?: string;
    receiverId?: string;
    partnerAccountId: string;
    stage: "TA1" | "999" | "997" | "277CA";
    limit?: number;
  },
): Promise<ReferenceMatch[]> {
  const answered = sql<boolean>`exists (select 1 from ${responseLinks} where ${responseLinks.transferId} = ${transfers.id} and ${responseLinks.stage} = ${query.stage})`;
  const conditions = [
    eq(submissionReferences.organisationId, query.organisationId),
    eq(submissionReferences.kind, query.kind),
    eq(submissionReferences.controlNumber, query.controlNumber),
    eq(transfers.organisationId, query.organisationId),
    isNotNull(transfers.deliveredAt),
  ];
  if (query.senderId !== undefined) conditions.push(eq(submissionReferences.senderId, query.senderId));
  if (query.receiverId !== undefined) conditions.push(eq(submissionReferences.receiverId, query.receiverId));
  const rows = await db
    .selectDistinctOn([transfers.id], {
      transferId: transfers.id,
      partnerAccountId: transfers.partnerAccountId,
      detail: submissionReferences.detail,
      alreadyAnswered: answered,
      deliveredAt: transfers.deliveredAt,
    })
    .from(submissionReferences)
    .innerJoin(transfers, eq(transfers.id, submissionReferences.transferId))
    .where(and(...conditions))
    .orderBy(transfers.id)
    .limit(200);
  return rows
    .sort((a, b) => {
      const sameAccount = Number(b.partnerAccountId === query.partnerAccountId) - Number(a.partnerAccountId === query.partnerAccountId);
      if (sameAccount) return sameAccount;
      const unanswered = Number(a.alreadyAnswered) - Number(b.alreadyAnswered);
      if (unanswered) return unanswered;
      return (b.deliveredAt?.getTime() ?? 0) - (a.deliveredAt?.getTime() ?? 0);
    })
    .slice(0, query.limit ?? 1)
    .map(({ transferId, partnerAccountId, detail, alreadyAnswered }) => ({ transferId, partnerAccountId, detail, alreadyAnswered }));
}

/** Which of these claims (CLM01, normalised) a transfer carried: for a 277CA linked by its batch trace. */
export async function claimsOfTransfer(db: Executor, transferId: string, controlNumbers: string[]): Promise<string[]> {
  if (controlNumbers.length === 0) return [];
  const rows = await db
    .select({ controlNumber: submissionReferences.controlNumber })
    .from(submissionReferences)
    .where(and(eq(submissionReferences.transferId, transferId), eq(submissionReferences.kind, "claim"), inArray(submissionReferences.controlNumber, controlNumbers)));
  return rows.map((row) => row.controlNumber);
}

/** The latest delivered submission of the organisation holding each claim (CLM01), for 277CAs without a batch trace. */
export async function findSubmissionsOfClaims(db: Executor, organisationId: string, controlNumbers: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let start = 0; start < controlNumbers.length; start += 500) {
    const slice = controlNumbers.slice(start, start + 500);
    const rows = await db
      .select({ controlNumber: submissionReferences.controlNumber, transferId: transfers.id })
      .from(submissionReferences)
      .innerJoin(transfers, eq(transfers.id, submissionReferences.transferId))
      .where(and(eq(submissionReferences.organisationId, organisationId), eq(transfers.organisationId, organisationId), eq(submissionReferences.kind, "claim"), inArray(submissionReferences.controlNumber, slice), isNotNull(transfers.deliveredAt)))
      .orderBy(desc(transfers.deliveredAt));
    for (const row of rows) if (!found.has(row.controlNumber)) found.set(row.controlNumber, row.transferId);
  }
  return found;
}
