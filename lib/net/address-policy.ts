import net from "node:net";
import ipaddr from "ipaddr.js";

/**
 * The one decision on which IP addresses the portal may connect to (destinations, their diagnosis,
 * response pickup and webhooks): public unicast only. Two independent checks must both pass —
 * ipaddr.js's range classification (a maintained copy of the IANA special-purpose registries) and
 * our own table of every registry entry whose "globally reachable" column is False — so a rename
 * or omission in either one does not open a hole.
 *
 * IPv6 forms that carry an IPv4 address are judged by that IPv4 address where the packet really
 * goes there (IPv4-mapped, the NAT64 well-known prefix 64:ff9b::/96, 6to4 2002::/16): allowed only
 * when the embedded IPv4 is public. Transition forms whose IPv4 is not a plain destination are
 * refused outright: local-use NAT64 64:ff9b:1::/48 (the operator decides where the IPv4 sits),
 * IPv4-compatible ::/96 (deprecated), SIIT ::ffff:0:0:0/96, and Teredo 2001::/32 (two obfuscated
 * IPv4s, and inside 2001::/23 anyway).
 */

export interface AddressVerdict {
  address: string;
  allowed: boolean;
  /** Plain English for messages: "a link-local address (169.254.0.0/16, …)" or "a public address". */
  reason: string;
}

type Range = [cidr: string, reason: string];

const METADATA = "169.254.0.0/16, which includes the cloud metadata service 169.254.169.254";

/** IANA IPv4 special-purpose registry, "globally reachable" False, plus multicast. */
const IPV4_NOT_PUBLIC: Range[] = [
  ["0.0.0.0/8", 'a "this network" address (0.0.0.0/8)'],
  ["10.0.0.0/8", "a private address (10.0.0.0/8)"],
  ["100.64.0.0/10", "a carrier-grade NAT address (100.64.0.0/10)"],
  ["127.0.0.0/8", "a loopback address (127.0.0.0/8)"],
  ["169.254.0.0/16", `a link-local address (${METADATA})`],
  ["172.16.0.0/12", "a private address (172.16.0.0/12)"],
  ["192.0.0.0/24", "an IETF protocol assignment (192.0.0.0/24)"],
  ["192.0.2.0/24", "a documentation address (192.0.2.0/24)"],
  ["192.88.99.0/24", "a deprecated 6to4 relay address (192.88.99.0/24)"],
  ["192.168.0.0/16", "a private address (192.168.0.0/16)"],
  ["198.18.0.0/15", "a benchmarking address (198.18.0.0/15)"],
  ["198.51.100.0/24", "a documentation address (198.51.100.0/24)"],
  ["203.0.113.0/24", "a documentation address (203.0.113.0/24)"],
  ["224.0.0.0/4", "a multicast address (224.0.0.0/4)"],
  ["255.255.255.255/32", "the broadcast address"],
  ["240.0.0.0/4", "a reserved address (240.0.0.0/4)"],
];

/** IANA IPv6 special-purpose registry, "globally reachable" False, plus multicast and site-local. */
const IPV6_NOT_PUBLIC: Range[] = [
  ["::/128", "the unspecified address (::)"],
  ["::1/128", "the loopback address (::1)"],
  ["100::/64", "a discard-only address (100::/64)"],
  ["100:0:0:1::/64", "a dummy-prefix address (100:0:0:1::/64)"],
  ["2001:db8::/32", "a documentation address (2001:db8::/32)"],
  ["2001::/23", "an IETF protocol assignment (2001::/23)"],
  ["3fff::/20", "a documentation address (3fff::/20)"],
  ["5f00::/16", "a segment-routing address (5f00::/16)"],
  ["fd00:ec2::/32", "the AWS instance metadata service (fd00:ec2::/32)"],
  ["fc00::/7", "a unique local address (fc00::/7)"],
  ["fe80::/10", "a link-local address (fe80::/10)"],
  ["fec0::/10", "a deprecated site-local address (fec0::/10)"],
  ["ff00::/8", "a multicast address (ff00::/8)"],
];

function parsed(ranges: Range[]): Array<[[ipaddr.IPv4 | ipaddr.IPv6, number], string]> {
  return ranges.map(([cidr, reason]) => [ipaddr.parseCIDR(cidr), reason]);
}
const ipv4Table = parsed(IPV4_NOT_PUBLIC) as Array<[[ipaddr.IPv4, number], string]>;
const ipv6Table = parsed(IPV6_NOT_PUBLIC) as Array<[[ipaddr.IPv6, number], string]>;
/** IANA's Global Unicast allocation: every public IPv6 destination lies inside it. */
const GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3") as [ipaddr.IPv6, number];

const cidr = (text: string) => ipaddr.parseCIDR(text) as [ipaddr.IPv6, number];
/** Forms whose embedded IPv4 is where the packet goes: judged by that IPv4. */
const IPV4_MAPPED = cidr("::ffff:0:0/96");
const NAT64 = cidr("64:ff9b::/96");
const SIX_TO_FOUR = cidr("2002::/16");
/** Forms refused whatever IPv4 they carry. */
const NAT64_LOCAL = cidr("64:ff9b:1::/48");
const SIIT = cidr("::ffff:0:0:0/96");
const IPV4_COMPATIBLE = cidr("::/96");
const TEREDO = cidr("2001::/32");

function ipv4FromParts(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

function judgeIPv4(address: ipaddr.IPv4): { allowed: boolean; reason: string } {
  const listed = ipv4Table.find(([range]) => address.match(range));
  if (listed) return { allowed: false, reason: listed[1] };
  const range = address.range();
  if (range !== "unicast") return { allowed: false, reason: `a special-purpose address (${range})` };
  return { allowed: true, reason: "a public address" };
}

function judgeEmbedded(form: string, ipv4: string): { allowed: boolean; reason: string } {
  const inner = judgeIPv4(ipaddr.IPv4.parse(ipv4));
  return inner.allowed ? { allowed: true, reason: `${form} for the public address ${ipv4}` } : { allowed: false, reason: `${form} for ${ipv4}, ${inner.reason}` };
}

function judgeIPv6(address: ipaddr.IPv6): { allowed: boolean; reason: string } {
  const p = address.parts;
  if (address.match(IPV4_MAPPED)) return judgeEmbedded("an IPv4-mapped address (::ffff:0:0/96)", ipv4FromParts(p[6], p[7]));
  if (address.match(NAT64)) return judgeEmbedded("a NAT64 address (64:ff9b::/96)", ipv4FromParts(p[6], p[7]));
  if (address.match(SIX_TO_FOUR)) return judgeEmbedded("a 6to4 address (2002::/16)", ipv4FromParts(p[1], p[2]));
  if (address.match(NAT64_LOCAL)) return { allowed: false, reason: "a local-use NAT64 address (64:ff9b:1::/48)" };
  if (address.match(SIIT)) return { allowed: false, reason: `an SIIT translated address (::ffff:0:0:0/96) for ${ipv4FromParts(p[6], p[7])}` };
  if (address.match(TEREDO)) return { allowed: false, reason: `a Teredo address (2001::/32) via ${ipv4FromParts(p[2], p[3])}` };
  const listed = ipv6Table.find(([range]) => address.match(range));
  if (listed) return { allowed: false, reason: listed[1] };
  // After :: and ::1 above: anything else in ::/96 is the deprecated IPv4-compatible form.
  if (address.match(IPV4_COMPATIBLE)) return { allowed: false, reason: `an IPv4-compatible address (::/96, deprecated) for ${ipv4FromParts(p[6], p[7])}` };
  if (!address.match(GLOBAL_UNICAST)) return { allowed: false, reason: "outside the global unicast range 2000::/3" };
  const range = address.range();
  if (range !== "unicast") return { allowed: false, reason: `a special-purpose address (${range})` };
  return { allowed: true, reason: "a public address" };
}

/**
 * The 128 bits as the operating system reads them. ipaddr.js turns any dotted tail into the
 * IPv4-mapped form (it reads ::8.8.8.8 as ::ffff:8.8.8.8), so the address is first spelled in hex by
 * the WHATWG URL parser, which keeps the bits where they are. A zone index (fe80::1%eth0) names an
 * interface, not a different address, and is dropped.
 */
function parseIPv6(address: string): ipaddr.IPv6 {
  const hex = new URL(`http://[${address.replace(/%.*$/, "")}]/`).hostname.slice(1, -1);
  return ipaddr.IPv6.parse(hex);
}

/** Whether the portal may connect to this IP address, and why not in plain English. Anything that is not an IP address is refused. */
export function judgeAddress(address: string): AddressVerdict {
  try {
    const family = net.isIP(address);
    if (family === 4) return { address, ...judgeIPv4(ipaddr.IPv4.parse(address)) };
    if (family === 6) return { address, ...judgeIPv6(parseIPv6(address)) };
  } catch {
    // Unparseable by one of the parsers: refused below, like any other non-address.
  }
  return { address, allowed: false, reason: "not an IP address" };
}
