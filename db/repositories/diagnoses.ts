import "server-only";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, diagnoses, organisations, partnerAccounts, type Diagnosis } from "@/db/schema";

export async function insertDiagnosis(db: Executor, values: Omit<typeof diagnoses.$inferInsert, "id">): Promise<Diagnosis> {
  const [row] = await db.insert(diagnoses).values(values).returning();
  return row;
}

/** One run with the names a page shows beside it. */
export async function findDiagnosisWithNames(db: Executor, id: string) {
  const [row] = await db
    .select({ diagnosis: diagnoses, destinationName: destinations.name, organisationName: organisations.name, username: partnerAccounts.username })
    .from(diagnoses)
    .innerJoin(destinations, eq(destinations.id, diagnoses.destinationId))
    .innerJoin(organisations, eq(organisations.id, diagnoses.organisationId))
    .innerJoin(partnerAccounts, eq(partnerAccounts.id, diagnoses.partnerAccountId))
    .where(eq(diagnoses.id, id));
  return row;
}

export async function listDiagnosisRows(db: Executor, filter: { organisationId?: string; partnerAccountId?: string; before?: Date; limit: number }) {
  const conditions: SQL[] = [];
  if (filter.organisationId) conditions.push(eq(diagnoses.organisationId, filter.organisationId));
  if (filter.partnerAccountId) conditions.push(eq(diagnoses.partnerAccountId, filter.partnerAccountId));
  if (filter.before) conditions.push(lt(diagnoses.startedAt, filter.before));
  return db
    .select({
      id: diagnoses.id,
      ok: diagnoses.ok,
      code: diagnoses.code,
      headline: diagnoses.headline,
      startedAt: diagnoses.startedAt,
      runByRole: diagnoses.runByRole,
      transferId: diagnoses.transferId,
      destinationName: destinations.name,
      organisationName: organisations.name,
      username: partnerAccounts.username,
    })
    .from(diagnoses)
    .innerJoin(destinations, eq(destinations.id, diagnoses.destinationId))
    .innerJoin(organisations, eq(organisations.id, diagnoses.organisationId))
    .innerJoin(partnerAccounts, eq(partnerAccounts.id, diagnoses.partnerAccountId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(diagnoses.startedAt))
    .limit(filter.limit);
}
