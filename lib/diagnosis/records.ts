import "server-only";
import { getDb } from "@/db/client";
import * as repo from "@/db/repositories/diagnoses";
import { NotFoundError } from "@/lib/errors";
import type { DiagnosisResult } from "@/lib/diagnosis";
import { assertCanRead, requireRole, type Actor } from "@/lib/auth/actor";

export async function getDiagnosis(actor: Actor, id: string) {
  const row = await repo.findDiagnosisWithNames(await getDb(), id);
  if (!row) throw new NotFoundError("diagnosis");
  assertCanRead(actor, row.diagnosis.organisationId, "diagnosis");
  return { ...row, result: row.diagnosis.result as unknown as DiagnosisResult };
}

/** Partners see their organisation's runs; support and admins see every run. */
export async function listDiagnoses(actor: Actor, filter: { partnerAccountId?: string; before?: Date; limit?: number } = {}) {
  let organisationId: string | undefined;
  if (actor.role === "partner") {
    if (!actor.organisationId) return [];
    organisationId = actor.organisationId;
  } else {
    requireRole(actor, "admin", "support");
  }
  return repo.listDiagnosisRows(await getDb(), { ...filter, organisationId, limit: Math.min(filter.limit ?? 50, 200) });
}
