import "server-only";
import { and, eq } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, partnerAccounts, type NewDestination, type PartnerAccount } from "@/db/schema";

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
