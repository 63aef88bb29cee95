import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { getDestination } from "@/lib/destinations/service";
import { getPartnerAccount } from "@/lib/partner-accounts/service";
import { toDestinationSpec } from "@/lib/destinations/spec";
import { env } from "@/lib/env";
import { guideContextFor, type GuideContext } from "@/lib/guides";
import type { DestinationSpec } from "@/lib/transfers/types";

/** Guide placeholders filled from one of the actor's accounts, or only the egress IPs without one. */
export async function guideContextForAccount(actor: Actor, accountId: string | undefined): Promise<{ context: GuideContext; destination?: DestinationSpec; username?: string }> {
  const egressIps = env().EGRESS_IPS;
  if (!accountId) return { context: { egressIps } };
  const account = await getPartnerAccount(actor, accountId);
  const destination = toDestinationSpec(await getDestination(actor, account.destinationId));
  return { context: guideContextFor(destination, { egressIps, username: account.username }), destination, username: account.username };
}
