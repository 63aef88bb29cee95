import type { DestinationSpec } from "@/lib/transfers/types";
import { egressIpsInProse, listInProse, protocolName } from "@/lib/guides/placeholders";
import { authenticationText, setupFacts, type SetupFacts } from "@/lib/guides/client-setup/facts";
import { fileZillaInstructions } from "@/lib/guides/client-setup/filezilla";
import { ftpsCommands } from "@/lib/guides/client-setup/ftps-cli";
import { LEGACY_CLIENT_ALGORITHMS } from "@/lib/guides/client-setup/legacy";
import { knownHostsCheck, opensshCommands } from "@/lib/guides/client-setup/openssh";
import type { ClientSetup } from "@/lib/guides/client-setup/types";
import { winScpInstructions } from "@/lib/guides/client-setup/winscp";

function firewallRules(facts: SetupFacts): string[] {
  const { destination } = facts;
  const to = `to ${destination.host} only (its current address; ask the payer to announce changes)`;
  if (destination.protocol === "sftp") {
    return [`Allow outbound TCP port ${destination.port} ${to}. SFTP needs no other port and no inbound rule.`];
  }
  const range = destination.passivePortRange;
  return [
    `Allow outbound TCP port ${destination.port} (FTPS control connection) ${to}.`,
    range
      ? `Allow outbound TCP ports ${range.min}-${range.max} (passive data connections, inclusive) ${to}.`
      : "Allow outbound TCP to the payer's passive port range (ask the payer for it; it is not recorded for this destination).",
    "Exempt this traffic from any FTP inspection filter, FTP helper or FTP ALG on your firewall: it cannot read encrypted commands.",
    "No inbound rule is needed: use passive mode, never active mode.",
  ];
}

function warnings(facts: SetupFacts): string[] {
  const result: string[] = [];
  if (!facts.usernameKnown) result.push("Your user name is not known here; replace <user-name> with the user name the payer gave you.");
  if (facts.destination.protocol === "sftp" && facts.hostKeyFingerprints.length === 0) {
    result.push("No host key is pinned for this destination yet; do not accept a host key until support confirms its fingerprint.");
  }
  if (facts.legacy) {
    result.push(
      `This payer only supports older SSH algorithms (${listInProse([
        ...LEGACY_CLIENT_ALGORITHMS.kex,
        ...LEGACY_CLIENT_ALGORITHMS.hostKey,
        ...LEGACY_CLIENT_ALGORITHMS.ciphers,
        ...LEGACY_CLIENT_ALGORITHMS.macs,
      ])}). Enable them for this payer only, never as a global default.`,
    );
  }
  if (facts.usesKey) result.push("Never send your private key to anyone, including the payer and our support team; the payer only needs the public key.");
  return result;
}

/**
 * Settings for running your own client against a destination, every value taken from the
 * destination itself. The egress IPs only explain the difference between the portal's connections
 * and the partner's own.
 */
export function clientSetup(destination: DestinationSpec, context: { username?: string; egressIps: string[] }): ClientSetup {
  const facts = setupFacts(destination, context.username);
  const isSftp = destination.protocol === "sftp";
  return {
    destinationId: destination.id,
    destinationName: destination.name,
    protocol: destination.protocol,
    protocolName: protocolName(destination.protocol),
    connection: {
      host: destination.host,
      port: destination.port,
      username: facts.username,
      remoteDir: destination.remoteDir,
      authentication: authenticationText(facts),
      ...(isSftp ? {} : { transferMode: "passive" as const, passivePortRange: destination.passivePortRange }),
      hostKeyFingerprints: facts.hostKeyFingerprints,
      certificateFingerprints: facts.certificateFingerprints,
    },
    network: {
      portalEgress: `Deliveries through the portal are relayed from ${egressIpsInProse(context.egressIps)}; the payer allow-lists that address for the portal.`,
      ownClient:
        "A client you run yourself connects from your own network's public IP address, not from the portal's. The payer must add your address to its allow-list as well, and your firewall must allow the outbound connection.",
      firewallRules: firewallRules(facts),
    },
    filezilla: fileZillaInstructions(facts),
    winscp: winScpInstructions(facts),
    commandLine: isSftp ? opensshCommands(facts) : ftpsCommands(facts),
    ...(isSftp ? { knownHosts: knownHostsCheck(facts) } : {}),
    ...(isSftp && facts.legacy ? { legacyAlgorithms: LEGACY_CLIENT_ALGORITHMS } : {}),
    warnings: warnings(facts),
  };
}
