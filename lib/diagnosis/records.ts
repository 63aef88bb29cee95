import "server-only";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, diagnoses, organisations, partnerAccounts, type Diagnosis } from "@/db/schema";
import { NotFoundError } from "@/lib/errors";
import type { DiagnosisResult } from "@/lib/diagnosis";
import { assertCanRead, requireRole, type Actor } from "@/lib/auth/actor";

export async function insertDiagnosis(values: Omit<typeof diagnoses.$inferInsert, "id">): Promise<Diagnosis> {
  const db = await getDb();
  const [row] = await db.insert(diagnoses).values(values).returning();
  return row;
}

export async function getDiagnosis(actor: Actor, id: string) {
  const db = await getDb();
  const [row] = await db
    .select({ diagnosis: diagnoses, destinationName: destinations.name, organisationName: organisations.name, username: partnerAccounts.username })
    .from(diagnoses)
    .innerJoin(destinations, eq(destinations.id, diagnoses.destinationId))
    .innerJoin(organisations, eq(organisations.id, diagnoses.organisationId))
    .innerJoin(partnerAccounts, eq(partnerAccounts.id, diagnoses.partnerAccountId))
    .where(eq(diagnoses.id, id));
  if (!row) throw new NotFoundError("diagnosis");
  assertCanRead(actor, row.diagnosis.organisationId, "diagnosis");
  return { ...row, result: row.diagnosis.result as unknown as DiagnosisResult };
}

/** Partners see their organisation's runs; support and admins see every run. */
export async function listDiagnoses(actor: Actor, filter: { partnerAccountId?: string; before?: Date; limit?: number } = {}) {
  const db = await getDb();
  const conditions: SQL[] = [];
  if (actor.role === "partner") conditions.push(eq(diagnoses.organisationId, actor.organisationId ?? "00000000-0000-0000-0000-000000000000"));
  else requireRole(actor, "admin", "support");
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
    .limit(Math.min(filter.limit ?? 50, 200));
}
