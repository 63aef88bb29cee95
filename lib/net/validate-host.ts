import "server-only";
import { lookup } from "node:dns/promises";
import net from "node:net";
import { judgeAddress } from "@/lib/net/address-policy";
import { TransferError } from "@/lib/transfers/errors";
import type { ValidatedTarget } from "@/lib/transfers/types";

export { judgeAddress, type AddressVerdict } from "@/lib/net/address-policy";

/** True when the address is not a public host (see lib/net/address-policy.ts for the one rule). */
export function isPrivateAddress(address: string): boolean {
  return !judgeAddress(address).allowed;
}

/**
 * Resolve a destination host once and validate the address. The engine then connects to
 * `target.address` only, so a DNS answer cannot change between the check and the connection.
 * Destinations, their diagnosis, response pickup and webhooks all come through here.
 */
export async function validateDestinationHost(
  host: string,
  port: number,
  options: { allowPrivate: boolean },
): Promise<ValidatedTarget> {
  let address: string;
  if (net.isIP(host)) {
    address = host;
  } else {
    try {
      address = (await lookup(host, { verbatim: true })).address;
    } catch (cause) {
      throw new TransferError("DNS_FAILED", `The host name ${host} could not be resolved.`, { cause });
    }
  }
  const verdict = judgeAddress(address);
  if (!options.allowPrivate && !verdict.allowed) {
    const what = address === host ? `${host} is ${verdict.reason}` : `${host} resolves to ${address}, ${verdict.reason}`;
    // `detail` is the first half alone, for callers that finish the sentence their own way (webhooks).
    throw new TransferError("DESTINATION_BLOCKED", `${what}. The portal connects only to public addresses.`, { detail: what });
  }
  return { host, address, port };
}
