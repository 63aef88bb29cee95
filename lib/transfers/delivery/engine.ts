import "server-only";
import { env } from "@/lib/env";
import { validateDestinationHost } from "@/lib/net/validate-host";
import { deliverOffThread, fetchIdentityOffThread } from "@/lib/workers/calls";
import type { Transcript } from "@/lib/transfers/transcript";
import type { DeliveryRequest, DeliveryResult, DestinationSpec, ServerIdentity } from "@/lib/transfers/types";

/**
 * The one entry point for sending a file upstream: resolve and validate the destination's address
 * here, then hand the validated address — never the name again — to a protocol worker thread
 * (lib/transfers/delivery/drivers.ts there), so a payer's slow or legacy handshake never stalls the event
 * loop that serves pages and receives uploads.
 */
export async function deliverToDestination(request: Omit<DeliveryRequest, "target">): Promise<DeliveryResult> {
  const { destination, transcript } = request;
  const target = await validateDestinationHost(destination.host, destination.port, { allowPrivate: env().ALLOW_PRIVATE_DESTINATIONS });
  transcript.note("resolve", `${destination.host} resolved to ${target.address}; connecting to ${target.address}:${target.port}`);
  return deliverOffThread({ ...request, target });
}

/** "Fetch and review": the host key or certificate the server presents, before anyone trusts it. */
export async function fetchDestinationIdentity(destination: DestinationSpec, transcript: Transcript): Promise<ServerIdentity> {
  const target = await validateDestinationHost(destination.host, destination.port, { allowPrivate: env().ALLOW_PRIVATE_DESTINATIONS });
  transcript.note("resolve", `${destination.host} resolved to ${target.address}`);
  return fetchIdentityOffThread(destination, target, transcript);
}
