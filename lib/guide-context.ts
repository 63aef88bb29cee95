import "server-only";
import type { Actor } from "@/db/queries/actor";
import { getDestination } from "@/db/queries/destinations";
import { getPartnerAccount } from "@/db/queries/partner-accounts";
import { toDestinationSpec } from "@/lib/destinations/spec";
import { env } from "@/lib/env";
import { guideContextFor, type GuideContext } from "@/lib/guides";
import type { DestinationSpec } from "@/lib/transfer/types";

/** Guide placeholders filled from one of the actor's accounts, or only the egress IPs without one. */
export async function guideContextForAccount(actor: Actor, accountId: string | undefined): Promise<{ context: GuideContext; destination?: DestinationSpec; username?: string }> {
  const egressIps = env().EGRESS_IPS;
  if (!accountId) return { context: { egressIps } };
  const account = await getPartnerAccount(actor, accountId);
  const destination = toDestinationSpec(await getDestination(actor, account.destinationId));
  return { context: guideContextFor(destination, { egressIps, username: account.username }), destination, username: account.username };
}
