import "server-only";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, partnerAccounts, type Destination, type NewDestination } from "@/db/schema";

export async function listAllDestinations(db: Executor): Promise<Destination[]> {
  return db.select().from(destinations).orderBy(asc(destinations.name));
}

/** Enabled destinations on which the organisation holds an enabled account. */
export async function listDestinationsOfOrganisation(db: Executor, organisationId: string): Promise<Destination[]> {
  const rows = await db
    .select({ destination: destinations })
    .from(destinations)
    .innerJoin(partnerAccounts, eq(partnerAccounts.destinationId, destinations.id))
    .where(and(eq(partnerAccounts.organisationId, organisationId), isNull(destinations.disabledAt), isNull(partnerAccounts.disabledAt)))
    .orderBy(asc(destinations.name));
  return rows.map((row) => row.destination);
}

export async function findDestination(db: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<Destination | undefined> {
  const query = db.select().from(destinations).where(eq(destinations.id, id));
  const [row] = options.forUpdate ? await query.for("update") : await query;
  return row;
}

export async function organisationHasAccountOn(db: Executor, organisationId: string, destinationId: string): Promise<boolean> {
  const [account] = await db
    .select({ id: partnerAccounts.id })
    .from(partnerAccounts)
    .where(and(eq(partnerAccounts.destinationId, destinationId), eq(partnerAccounts.organisationId, organisationId)));
  return Boolean(account);
}

export async function insertDestination(db: Executor, values: NewDestination): Promise<Destination> {
  const [row] = await db.insert(destinations).values(values).returning();
  return row;
}

/** The admin-editable settings; a changed server clears its pins so it is reviewed again. */
export async function updateDestinationSettings(db: Executor, id: string, settings: Partial<NewDestination>, options: { clearPins: boolean }): Promise<void> {
  await db
    .update(destinations)
    .set({ ...settings, updatedAt: sql`now()`, ...(options.clearPins ? { hostKeyFingerprints: [], tlsPins: [] } : {}) })
    .where(eq(destinations.id, id));
}

export async function setDestinationDisabledAt(db: Executor, id: string, disabled: boolean): Promise<void> {
  await db.update(destinations).set({ disabledAt: disabled ? sql`now()` : null, updatedAt: sql`now()` }).where(eq(destinations.id, id));
}

export async function setDestinationPins(db: Executor, id: string, pins: { hostKeyFingerprints?: string[]; tlsPins?: string[]; tlsMode?: "ca" | "pinned" }): Promise<void> {
  await db.update(destinations).set({ ...pins, updatedAt: sql`now()` }).where(eq(destinations.id, id));
}
