import "server-only";
import { and, asc, count, desc, eq, ilike, inArray, or, sql, type SQL } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { organisations, partnerAccounts, users, type Organisation } from "@/db/schema";
import { containsPattern } from "@/db/like-pattern";

export type NewOrganisation = typeof organisations.$inferInsert;

export async function insertOrganisation(db: Executor, values: NewOrganisation): Promise<Organisation> {
  const [row] = await db.insert(organisations).values(values).returning();
  return row;
}

export async function findOrganisationById(db: Executor, organisationId: string): Promise<Organisation | undefined> {
  const [row] = await db.select().from(organisations).where(eq(organisations.id, organisationId));
  return row;
}

export async function findOrganisationBySubmitterId(db: Executor, submitterId: string): Promise<Organisation | undefined> {
  const [row] = await db.select().from(organisations).where(eq(organisations.submitterId, submitterId));
  return row;
}

/** Pending ones oldest first (the queue); decided ones most recently decided first. */
export async function listOrganisationsByStatus(db: Executor, status: Organisation["status"], limit: number): Promise<Organisation[]> {
  return db
    .select()
    .from(organisations)
    .where(eq(organisations.status, status))
    .orderBy(status === "pending" ? asc(organisations.createdAt) : desc(organisations.decidedAt))
    .limit(limit);
}

/** How many organisations have this status: one COUNT on organisations_status_idx (the admin navigation's badge). */
export async function countOrganisationsByStatus(db: Executor, status: Organisation["status"]): Promise<number> {
  const [row] = await db.select({ total: count() }).from(organisations).where(eq(organisations.status, status));
  return Number(row?.total ?? 0);
}

/** Approved organisations that have no partner account yet (they cannot send anything), most recently approved first. */
export async function listApprovedWithoutPartnerAccounts(db: Executor, limit: number): Promise<Organisation[]> {
  return db
    .select()
    .from(organisations)
    .where(and(eq(organisations.status, "approved"), sql`not exists (select 1 from ${partnerAccounts} where ${partnerAccounts.organisationId} = ${organisations.id})`))
    .orderBy(desc(organisations.decidedAt))
    .limit(limit);
}

/** Decides a still-pending registration; undefined when it is not pending (or not there). */
export async function decidePendingOrganisation(
  db: Executor,
  organisationId: string,
  decision: { status: "approved" | "rejected"; reason: string | null; decidedBy: string },
): Promise<{ id: string; name: string } | undefined> {
  const [row] = await db
    .update(organisations)
    .set({ status: decision.status, decisionReason: decision.reason, decidedAt: sql`now()`, decidedBy: decision.decidedBy })
    .where(and(eq(organisations.id, organisationId), eq(organisations.status, "pending")))
    .returning({ id: organisations.id, name: organisations.name });
  return row;
}

function searchCondition(search: string | undefined): SQL | undefined {
  if (!search) return undefined;
  const pattern = containsPattern(search);
  return or(ilike(organisations.name, pattern), ilike(organisations.submitterId, pattern), ilike(organisations.contactEmail, pattern));
}

/**
 * Users per organisation, joined in (a correlated subquery on a single-table select would leave its
 * column names unqualified, so "organisation_id = id" compared the users table with itself: 0).
 */
function userCounts(db: Executor) {
  return db.select({ organisationId: users.organisationId, userCount: count().as("user_count") }).from(users).groupBy(users.organisationId).as("user_counts");
}

/** By name, submitter ID or contact email (taken literally), with how many users each has; by name. */
export async function searchOrganisationsWithUserCount(db: Executor, search: string | undefined, limit: number): Promise<Array<Organisation & { userCount: number }>> {
  return (await listOrganisationsWithUserCount(db, { search, sort: "name", direction: "asc", offset: 0, limit })).rows;
}

/** The columns the organisation list can be sorted by: a fixed map, never a name from the request. */
export const organisationSorts = ["name", "submitterId", "status", "users", "registered"] as const;
export type OrganisationSort = (typeof organisationSorts)[number];

/** One page of organisations (search as above) with user counts, and how many match in all. */
export async function listOrganisationsWithUserCount(
  db: Executor,
  query: { search?: string; sort: OrganisationSort; direction: "asc" | "desc"; offset: number; limit: number },
): Promise<{ rows: Array<Organisation & { userCount: number }>; total: number }> {
  const where = searchCondition(query.search);
  const counts = userCounts(db);
  const userCount = sql<number>`coalesce(${counts.userCount}, 0)::int`;
  const sortColumn = { name: organisations.name, submitterId: organisations.submitterId, status: organisations.status, users: userCount, registered: organisations.createdAt }[query.sort];
  const order = query.direction === "desc" ? desc(sortColumn) : asc(sortColumn);
  const [rows, [total]] = await Promise.all([
    db
      .select({ organisation: organisations, userCount })
      .from(organisations)
      .leftJoin(counts, eq(counts.organisationId, organisations.id))
      .where(where)
      .orderBy(order, asc(organisations.name), asc(organisations.id))
      .limit(query.limit)
      .offset(query.offset),
    db.select({ n: count() }).from(organisations).where(where),
  ]);
  return { rows: rows.map((r) => ({ ...r.organisation, userCount: Number(r.userCount) })), total: Number(total?.n ?? 0) };
}

export async function setRequireTwoFactor(db: Executor, organisationId: string, required: boolean): Promise<{ name: string } | undefined> {
  const [row] = await db.update(organisations).set({ requireTwoFactor: required }).where(eq(organisations.id, organisationId)).returning({ name: organisations.name });
  return row;
}

/** An organisation's own staging limits; null means the portal's default (STAGING_QUOTA_MIB, UNFINISHED_UPLOADS_MAX). */
export interface OwnStagingLimits {
  stagingQuotaBytes: number | null;
  maxUnfinishedUploads: number | null;
}

/**
 * The organisation's staging limits, its row locked until the transaction ends (FOR NO KEY UPDATE:
 * foreign-key checks of other inserts still pass), so two uploads of one organisation check the
 * quota and add their row one after the other, never both on the same usage.
 */
export async function lockStagingLimits(db: Executor, organisationId: string): Promise<OwnStagingLimits | undefined> {
  const [row] = await db
    .select({ stagingQuotaBytes: organisations.stagingQuotaBytes, maxUnfinishedUploads: organisations.maxUnfinishedUploads })
    .from(organisations)
    .where(eq(organisations.id, organisationId))
    .for("no key update");
  return row;
}

/** Sets both staging limits (null: back to the default); returns the name, or undefined when there is no such organisation. */
export async function setStagingLimits(db: Executor, organisationId: string, limits: OwnStagingLimits): Promise<{ name: string } | undefined> {
  const [row] = await db
    .update(organisations)
    .set({ stagingQuotaBytes: limits.stagingQuotaBytes, maxUnfinishedUploads: limits.maxUnfinishedUploads })
    .where(eq(organisations.id, organisationId))
    .returning({ name: organisations.name });
  return row;
}

/** An organisation's name compared the way people read it: case and runs of spaces aside. */
const comparableName = sql<string>`lower(regexp_replace(btrim(${organisations.name}), ${"\\s+"}, ' ', 'g'))`;

/**
 * Organisations whose comparable name (lower case, spaces collapsed) is one of `names` or whose
 * submitter ID (upper case) is one of `submitterIds`: the registration review's duplicate warnings.
 * The caller passes both lists already normalised.
 */
export async function findOrganisationsByComparableNameOrSubmitterId(
  db: Executor,
  names: string[],
  submitterIds: string[],
): Promise<Array<Pick<Organisation, "id" | "name" | "submitterId" | "status"> & { comparableName: string }>> {
  if (names.length === 0 && submitterIds.length === 0) return [];
  const matches = or(
    names.length ? inArray(comparableName, names) : undefined,
    submitterIds.length ? inArray(sql`upper(${organisations.submitterId})`, submitterIds) : undefined,
  );
  return db
    .select({ id: organisations.id, name: organisations.name, submitterId: organisations.submitterId, status: organisations.status, comparableName })
    .from(organisations)
    .where(matches)
    .orderBy(asc(organisations.createdAt))
    .limit(500);
}
