import "server-only";
import { ftpsDriver } from "@/lib/ftps";
import { sftpDriver } from "@/lib/sftp";
import type { Transcript } from "@/lib/transfers/transcript";
import type { DeliveryRequest, DeliveryResult, DestinationSpec, ProtocolDriver, ServerIdentity, ValidatedTarget } from "@/lib/transfers/types";

/**
 * The protocol work itself, run inside a worker thread (lib/workers). It receives the address the
 * portal already resolved and validated (lib/transfers/delivery/engine.ts) and connects there, never to the
 * name again. The portal's event loop reaches these only through lib/transfers/delivery/engine.ts.
 */
function driverFor(destination: DestinationSpec): ProtocolDriver {
  return destination.protocol === "sftp" ? sftpDriver : ftpsDriver;
}

export async function deliverInThisThread(request: DeliveryRequest): Promise<DeliveryResult> {
  return driverFor(request.destination).deliver(request);
}

export async function fetchIdentityInThisThread(destination: DestinationSpec, target: ValidatedTarget, transcript: Transcript): Promise<ServerIdentity> {
  return driverFor(destination).fetchServerIdentity(destination, target, transcript);
}
