import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkDestinationHost } from "@/lib/destinations/validate-host-input";
import { UserInputError } from "@/lib/errors";
import { judgeAddress } from "@/lib/net/address-policy";
import { validateDestinationHost } from "@/lib/net/validate-host";
import { parseWebhookUrl, resolveWebhookTarget, WebhookUrlError } from "@/lib/webhooks/url";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

/**
 * Issue #16: with private destinations off, `64:ff9b::a9fe:a9fe` (NAT64 for the cloud metadata
 * address) was accepted, and so were other IPv6 forms carrying an IPv4 address and the
 * documentation ranges. Every row goes through the one rule (judgeAddress), then through
 * validateDestinationHost (destinations, diagnosis, response pickup) and resolveWebhookTarget
 * (webhooks), which must agree with it.
 */
useTemporaryPortalEnv({ ALLOW_PRIVATE_DESTINATIONS: "false" });

type Row = [address: string, allowed: boolean, why: string];

const ipv4: Row[] = [
  // IANA IPv4 special-purpose registry, "globally reachable" False.
  ["0.0.0.0", false, '"this network"'],
  ["0.1.2.3", false, '"this network"'],
  ["10.0.0.1", false, "private"],
  ["10.255.255.255", false, "private"],
  ["100.64.0.1", false, "carrier-grade NAT"],
  ["100.127.255.254", false, "carrier-grade NAT"],
  ["127.0.0.1", false, "loopback"],
  ["127.255.255.254", false, "loopback"],
  ["169.254.169.254", false, "link-local"],
  ["169.254.0.1", false, "link-local"],
  ["172.16.0.1", false, "private"],
  ["172.31.255.254", false, "private"],
  ["192.0.0.1", false, "IETF protocol assignment"],
  // Globally reachable /32s inside 192.0.0.0/24 (PCP and TURN anycast): refused with the block, no destination lives there.
  ["192.0.0.9", false, "IETF protocol assignment"],
  ["192.0.0.170", false, "IETF protocol assignment"],
  ["192.0.2.1", false, "documentation"],
  ["192.88.99.1", false, "6to4 relay"],
  ["192.168.1.1", false, "private"],
  ["198.18.0.1", false, "benchmarking"],
  ["198.19.255.254", false, "benchmarking"],
  ["198.51.100.7", false, "documentation"],
  ["203.0.113.9", false, "documentation"],
  ["224.0.0.1", false, "multicast"],
  ["239.255.255.250", false, "multicast"],
  ["240.0.0.1", false, "reserved"],
  ["255.255.255.254", false, "reserved"],
  ["255.255.255.255", false, "broadcast"],
  // Globally reachable per IANA but special to ipaddr.js (AS112 DNS sinks, AMT relays): refused, the stricter of the two wins.
  ["192.31.196.1", false, "as112"],
  ["192.175.48.1", false, "as112"],
  ["192.52.193.1", false, "amt"],
  // Public, including the neighbours of every refused block.
  ["8.8.8.8", true, "public"],
  ["1.1.1.1", true, "public"],
  ["93.184.215.14", true, "public"],
  ["11.0.0.1", true, "public"],
  ["100.63.255.255", true, "public"],
  ["100.128.0.0", true, "public"],
  ["169.253.255.255", true, "public"],
  ["172.15.255.255", true, "public"],
  ["172.32.0.0", true, "public"],
  ["192.0.3.1", true, "public"],
  ["198.17.255.255", true, "public"],
  ["198.20.0.0", true, "public"],
  ["223.255.255.254", true, "public"],
];

const ipv6: Row[] = [
  // IANA IPv6 special-purpose registry, "globally reachable" False, multicast and site-local.
  ["::", false, "unspecified"],
  ["::1", false, "loopback"],
  ["100::1", false, "discard-only"],
  ["100:0:0:1::1", false, "dummy-prefix"],
  ["2001:db8::1", false, "documentation"],
  ["2001:db8:ffff::1", false, "documentation"],
  ["3fff::1", false, "documentation"],
  ["3fff:fff::1", false, "documentation"],
  ["2001:2::1", false, "IETF protocol assignment"],
  ["2001:10::1", false, "IETF protocol assignment"],
  ["2001:20::1", false, "IETF protocol assignment"],
  ["5f00::1", false, "segment-routing"],
  ["fc00::1", false, "unique local"],
  ["fd00::1", false, "unique local"],
  ["fd00:ec2::254", false, "AWS instance metadata"],
  ["fe80::1", false, "link-local"],
  ["fe80::1%eth0", false, "link-local"],
  ["fec0::1", false, "site-local"],
  ["ff02::1", false, "multicast"],
  ["ff05::1:3", false, "multicast"],
  ["4000::1", false, "outside the global unicast range"],
  ["1::1", false, "outside the global unicast range"],
  // Embedded IPv4, judged by the IPv4 address the packet goes to.
  ["64:ff9b::a9fe:a9fe", false, "NAT64 address (64:ff9b::/96) for 169.254.169.254, a link-local"],
  ["64:ff9b::169.254.169.254", false, "NAT64 address (64:ff9b::/96) for 169.254.169.254"],
  ["64:ff9b::7f00:1", false, "for 127.0.0.1, a loopback"],
  ["64:ff9b::a00:1", false, "for 10.0.0.1, a private"],
  ["64:ff9b::c000:201", false, "for 192.0.2.1, a documentation"],
  ["::ffff:127.0.0.1", false, "IPv4-mapped address (::ffff:0:0/96) for 127.0.0.1"],
  ["::ffff:7f00:1", false, "IPv4-mapped address (::ffff:0:0/96) for 127.0.0.1"],
  ["::ffff:169.254.169.254", false, "for 169.254.169.254, a link-local"],
  ["::ffff:10.0.0.1", false, "for 10.0.0.1, a private"],
  ["2002:a9fe:a9fe::1", false, "6to4 address (2002::/16) for 169.254.169.254"],
  ["2002:7f00:1::1", false, "6to4 address (2002::/16) for 127.0.0.1"],
  ["2002:c0a8:101::1", false, "for 192.168.1.1, a private"],
  // Transition forms refused whatever they carry.
  ["64:ff9b:1::a9fe:a9fe", false, "local-use NAT64"],
  ["64:ff9b:1::808:808", false, "local-use NAT64"],
  ["::a9fe:a9fe", false, "IPv4-compatible address (::/96, deprecated) for 169.254.169.254"],
  ["::127.0.0.1", false, "IPv4-compatible"],
  ["::8.8.8.8", false, "IPv4-compatible"],
  ["::ffff:0:a9fe:a9fe", false, "SIIT translated address (::ffff:0:0:0/96) for 169.254.169.254"],
  ["::ffff:0:808:808", false, "SIIT"],
  ["2001::1", false, "Teredo"],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", false, "Teredo address (2001::/32) via 65.54.227.120"],
  // Public.
  ["2001:4860:4860::8888", true, "public"],
  ["2606:4700:4700::1111", true, "public"],
  ["2a00:1450:4001:81c::200e", true, "public"],
  ["2001:200::1", true, "public"],
  ["64:ff9b::808:808", true, "NAT64 address (64:ff9b::/96) for the public address 8.8.8.8"],
  ["64:ff9b::8.8.8.8", true, "for the public address 8.8.8.8"],
  ["::ffff:8.8.8.8", true, "IPv4-mapped address (::ffff:0:0/96) for the public address 8.8.8.8"],
  ["2002:808:808::1", true, "6to4 address (2002::/16) for the public address 8.8.8.8"],
];

const table = [...ipv4, ...ipv6];

describe("which addresses the portal may connect to (IANA special-purpose registries)", () => {
  it.each(table)("%s → allowed %s (%s)", (address, allowed, why) => {
    const verdict = judgeAddress(address);
    expect(verdict.allowed).toBe(allowed);
    expect(verdict.reason).toContain(why);
  });

  it("anything that is not an IP address is refused", () => {
    for (const text of ["localhost", "", "1.2.3", "::g", "169.254.169.254.nip.io"]) expect(judgeAddress(text).allowed, text).toBe(false);
  });
});

describe("destinations and webhooks use that one rule", () => {
  it.each(table)("destination host %s", async (address, allowed) => {
    const attempt = validateDestinationHost(address, 22, { allowPrivate: false });
    if (allowed) await expect(attempt).resolves.toMatchObject({ address, port: 22 });
    else await expect(attempt).rejects.toMatchObject({ code: "DESTINATION_BLOCKED" });
  });

  // URLs cannot carry zone indexes; every other row goes in as an https:// URL literal.
  it.each(table.filter(([address]) => !address.includes("%")))("webhook https://%s/", async (address, allowed) => {
    const url = parseWebhookUrl(`https://${address.includes(":") ? `[${address}]` : address}/hooks`);
    const attempt = resolveWebhookTarget(url);
    if (allowed) await expect(attempt).resolves.toMatchObject({ port: 443 });
    else await expect(attempt).rejects.toThrow(WebhookUrlError);
  });

  it("odd spellings of 127.0.0.1 and 169.254.169.254 are judged by the address they resolve to", async () => {
    for (const host of ["2130706433", "0x7f.1", "127.1", "0177.0.0.1", "0x7f000001", "169.254.43518", "localhost"]) {
      await expect(validateDestinationHost(host, 22, { allowPrivate: false }), host).rejects.toMatchObject({ code: "DESTINATION_BLOCKED" });
      // The URL parser turns most of these into dotted quads; either way the webhook is refused.
      await expect(resolveWebhookTarget(parseWebhookUrl(`https://${host}/`)), host).rejects.toThrow(/not a public address|loopback|link-local/);
    }
  });

  it("an admin saving a destination at 64:ff9b::a9fe:a9fe is refused with a message that says why", async () => {
    const refusal = await checkDestinationHost("64:ff9b::a9fe:a9fe", 22).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(UserInputError);
    expect(refusal).toMatchObject({ field: "host" });
    expect((refusal as Error).message).toBe(
      "64:ff9b::a9fe:a9fe is a NAT64 address (64:ff9b::/96) for 169.254.169.254, a link-local address (169.254.0.0/16, which includes the cloud metadata service 169.254.169.254). The portal connects only to public addresses.",
    );
  });

  it("a webhook at the NAT64 metadata address is refused with the same reason", async () => {
    await expect(resolveWebhookTarget(parseWebhookUrl("https://[64:ff9b::a9fe:a9fe]/latest/meta-data"))).rejects.toThrow(
      "64:ff9b::a9fe:a9fe is a NAT64 address (64:ff9b::/96) for 169.254.169.254, a link-local address (169.254.0.0/16, which includes the cloud metadata service 169.254.169.254). Webhooks go to public HTTPS servers only.",
    );
  });

  it("host names are resolved in lib/net only, and every outbound caller validates through it", () => {
    const root = path.resolve(__dirname, "../..");
    const sources = ["lib", "app"].flatMap((dir) => fs.readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" }).map((file) => path.join(dir, file)));
    const resolvers = sources.filter((file) => /\.(ts|tsx)$/.test(file) && !file.startsWith(path.join("lib", "net") + path.sep) && /from "(node:)?dns(\/promises)?"/.test(fs.readFileSync(path.join(root, file), "utf8")));
    expect(resolvers).toEqual([]);
    for (const caller of ["lib/webhooks/url.ts", "lib/destinations/validate-host-input.ts", "lib/diagnosis/run.ts", "lib/transfers/delivery/engine.ts", "lib/responses/poll.ts"]) {
      expect(fs.readFileSync(path.join(root, caller), "utf8"), caller).toContain('import { validateDestinationHost } from "@/lib/net/validate-host"');
    }
  });
});
