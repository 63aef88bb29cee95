import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, partnerAccounts, transfers, type NewDestination, type PartnerAccount } from "@/db/schema";

/** What the demo sandbox (lib/sandbox/demo.ts) reads and writes beyond the shared repositories. */

/** The id of the destination made from `preset` (the demo sandbox's "sandbox-sftp", "sandbox-ftps"), if there is one. */
export async function findDestinationIdByPreset(db: Executor, preset: string): Promise<string | undefined> {
  const [row] = await db.select({ id: destinations.id }).from(destinations).where(eq(destinations.preset, preset));
  return row?.id;
}

export type DestinationEndpoint = Pick<NewDestination, "host" | "port" | "hostKeyFingerprints" | "tlsPins" | "passivePortMin" | "passivePortMax">;

/** Points a destination at a server that started again: where it listens now and what it presents. */
export async function updateDestinationEndpoint(db: Executor, id: string, endpoint: DestinationEndpoint): Promise<void> {
  const { host, port, hostKeyFingerprints, tlsPins, passivePortMin, passivePortMax } = endpoint;
  await db.update(destinations).set({ host, port, hostKeyFingerprints, tlsPins, passivePortMin, passivePortMax }).where(eq(destinations.id, id));
}

/** The organisation's account on a destination, if it has one. */
export async function findAccountOnDestination(db: Executor, organisationId: string, destinationId: string): Promise<PartnerAccount | undefined> {
  const [account] = await db.select().from(partnerAccounts).where(and(eq(partnerAccounts.organisationId, organisationId), eq(partnerAccounts.destinationId, destinationId)));
  return account;
}

export type ResponseLocationSettings = Pick<NewDestination, "responseDir" | "responsePattern" | "responsePollSeconds" | "responseAfterPickup" | "responseMoveDir" | "responseWaitHours">;

/** A sandbox destination collects its payer's answers; an admin's own choice (a location already set) is kept. */
export async function setResponseLocationIfUnset(db: Executor, id: string, location: ResponseLocationSettings): Promise<void> {
  await db.update(destinations).set(location).where(and(eq(destinations.id, id), isNull(destinations.responseDir)));
}

/** Whether the organisation has sent anything yet (the demo's sample submissions go only to an empty history). */
export async function organisationHasTransfers(db: Executor, organisationId: string): Promise<boolean> {
  const [row] = await db.select({ id: transfers.id }).from(transfers).where(eq(transfers.organisationId, organisationId)).limit(1);
  return row !== undefined;
}
