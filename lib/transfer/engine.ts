import "server-only";
import { env } from "@/lib/env";
import { validateDestinationHost } from "@/lib/net/validate-host";
import { ftpsDriver } from "@/lib/ftps";
import { sftpDriver } from "@/lib/sftp";
import type { Transcript } from "./transcript";
import type { DeliveryRequest, DeliveryResult, DestinationSpec, ProtocolDriver, ServerIdentity } from "./types";

function driverFor(destination: DestinationSpec): ProtocolDriver {
  return destination.protocol === "sftp" ? sftpDriver : ftpsDriver;
}

/**
 * The one entry point for sending a file upstream: resolve and validate the destination's address,
 * then hand the validated address — never the name again — to the protocol driver.
 */
export async function deliverToDestination(request: Omit<DeliveryRequest, "target">): Promise<DeliveryResult> {
  const { destination, transcript } = request;
  const target = await validateDestinationHost(destination.host, destination.port, { allowPrivate: env().ALLOW_PRIVATE_DESTINATIONS });
  transcript.note("resolve", `${destination.host} resolved to ${target.address}; connecting to ${target.address}:${target.port}`);
  return driverFor(destination).deliver({ ...request, target });
}

/** "Fetch and review": the host key or certificate the server presents, before anyone trusts it. */
export async function fetchDestinationIdentity(destination: DestinationSpec, transcript: Transcript): Promise<ServerIdentity> {
  const target = await validateDestinationHost(destination.host, destination.port, { allowPrivate: env().ALLOW_PRIVATE_DESTINATIONS });
  transcript.note("resolve", `${destination.host} resolved to ${target.address}`);
  return driverFor(destination).fetchServerIdentity(destination, target, transcript);
}
