import "server-only";
import { and, asc, desc, eq, gte, isNull, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, organisations, transfers, users } from "@/db/schema";

/* The daily summary's reads (run by the scheduler) and each user's opt-in. */

export async function setUserDailySummary(db: Executor, userId: string, enabled: boolean): Promise<void> {
  await db.update(users).set({ dailySummary: enabled }).where(eq(users.id, userId));
}

export async function findUserDailySummary(db: Executor, userId: string): Promise<boolean> {
  const [row] = await db.select({ dailySummary: users.dailySummary }).from(users).where(eq(users.id, userId));
  return row?.dailySummary ?? false;
}

export interface SummaryRecipient {
  id: string;
  email: string;
  name: string;
  role: "partner" | "admin" | "support";
  organisationId: string | null;
  organisationName: string | null;
}

/** Enabled users who opted in; partners only while their organisation is approved. */
export async function dailySummaryRecipients(db: Executor): Promise<SummaryRecipient[]> {
  const rows = await db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, organisationId: users.organisationId, organisationName: organisations.name, organisationStatus: organisations.status })
    .from(users)
    .leftJoin(organisations, eq(organisations.id, users.organisationId))
    .where(and(eq(users.dailySummary, true), isNull(users.disabledAt)))
    .orderBy(asc(users.createdAt));
  return rows.filter((row) => row.role !== "partner" || (row.organisationId && row.organisationStatus === "approved"));
}

export interface StatusCounts {
  total: number;
  delivered: number;
  needsAttention: number;
  failed: number;
  inProgress: number;
}

const countColumns = {
  total: sql<number>`count(*)::int`,
  delivered: sql<number>`count(*) filter (where ${transfers.status} = 'delivered')::int`,
  needsAttention: sql<number>`count(*) filter (where ${transfers.status} = 'needs_attention')::int`,
  failed: sql<number>`count(*) filter (where ${transfers.status} = 'failed')::int`,
  inProgress: sql<number>`count(*) filter (where ${transfers.status} not in ('delivered', 'needs_attention', 'failed'))::int`,
};

export interface ProblemTransfer {
  id: string;
  originalName: string;
  destinationName: string;
  status: string;
  lastErrorCode: string | null;
}

/** One organisation's transfers created since `since`: counts, and the ones that did not arrive. */
export async function organisationDay(db: Executor, organisationId: string, since: Date): Promise<{ counts: StatusCounts; problems: ProblemTransfer[] }> {
  const scope = and(eq(transfers.organisationId, organisationId), gte(transfers.createdAt, since));
  const [counts] = await db.select(countColumns).from(transfers).where(scope);
  const problems = await db
    .select({ id: transfers.id, originalName: transfers.originalName, destinationName: destinations.name, status: transfers.status, lastErrorCode: transfers.lastErrorCode })
    .from(transfers)
    .innerJoin(destinations, eq(destinations.id, transfers.destinationId))
    .where(and(scope, sql`${transfers.status} in ('needs_attention', 'failed')`))
    .orderBy(desc(transfers.createdAt))
    .limit(20);
  return { counts, problems };
}

/** For staff: every organisation with transfers since `since`, busiest first. */
export async function allOrganisationsDay(db: Executor, since: Date): Promise<Array<StatusCounts & { organisationName: string }>> {
  return db
    .select({ organisationName: organisations.name, ...countColumns })
    .from(transfers)
    .innerJoin(organisations, eq(organisations.id, transfers.organisationId))
    .where(gte(transfers.createdAt, since))
    .groupBy(organisations.id, organisations.name)
    .orderBy(desc(sql`count(*)`), asc(organisations.name));
}
