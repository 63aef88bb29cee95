import "server-only";
import { lookup } from "node:dns/promises";
import net from "node:net";
import { TransferError } from "@/lib/transfers/errors";
import type { ValidatedTarget } from "@/lib/transfers/types";

const blockedV4: Array<[string, number]> = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, includes cloud metadata 169.254.169.254
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

const blockList = new net.BlockList();
for (const [address, prefix] of blockedV4) blockList.addSubnet(address, prefix, "ipv4");
for (const [address, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fd00:ec2::", 32], // AWS IMDS over IPv6
  ["ff00::", 8],
] as Array<[string, number]>)
  blockList.addSubnet(address, prefix, "ipv6");

/** True when the address is loopback, private, link-local, metadata or otherwise not a public host. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blockList.check(address, "ipv4");
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blockList.check(mapped[1], "ipv4");
    return blockList.check(address, "ipv6");
  }
  return true;
}

/**
 * Resolve a destination host once and validate the address. The engine then connects to
 * `target.address` only, so a DNS answer cannot change between the check and the connection.
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
  if (!options.allowPrivate && isPrivateAddress(address)) {
    throw new TransferError(
      "DESTINATION_BLOCKED",
      `${host} resolves to ${address}, a private, loopback or link-local address. Destinations must be public servers.`,
    );
  }
  return { host, address, port };
}
