import type { Protocol } from "@/lib/transfers/types";

export interface SettingField {
  /** Where the field is, in the client's own words ("Site Manager > General > Protocol"). */
  label: string;
  value: string;
  note?: string;
}

export interface ClientInstructions {
  client: "FileZilla" | "WinSCP";
  fields: SettingField[];
  /** Things to do that are not a single field (first-connection prompts, key conversion). */
  steps: string[];
}

export interface CommandExample {
  tool: "sftp" | "ssh-keygen" | "curl" | "lftp" | "openssl";
  purpose: string;
  command: string;
}

/** How to check the server's SSH identity with OpenSSH before trusting it. */
export interface KnownHostsCheck {
  /** The host field OpenSSH writes into known_hosts: `host`, or `[host]:port` when the port is not 22. */
  hostPattern: string;
  /** A sketch of the line OpenSSH stores; the key itself comes from the server on first connection. */
  lineTemplate: string;
  /** SHA256 fingerprints the portal pins; the stored key must match one of them. */
  expectedFingerprints: string[];
  knownHostsFile: string;
  verifyCommand: string;
  explanation: string;
}

export interface LegacyAlgorithms {
  kex: string[];
  hostKey: string[];
  publicKeySignature: string[];
  ciphers: string[];
  macs: string[];
}

export interface ClientSetup {
  destinationId: string;
  destinationName: string;
  protocol: Protocol;
  protocolName: string;
  connection: {
    host: string;
    port: number;
    username: string;
    remoteDir: string;
    authentication: string;
    /** FTPS only: always passive. */
    transferMode?: "passive";
    passivePortRange?: { min: number; max: number };
    hostKeyFingerprints: string[];
    certificateFingerprints: string[];
  };
  network: {
    /** Where the portal's own deliveries come from. */
    portalEgress: string;
    /** Why a partner's own client needs its own allow-list entry. */
    ownClient: string;
    /** Outbound rules the partner's firewall needs for its own client. */
    firewallRules: string[];
  };
  filezilla: ClientInstructions;
  winscp: ClientInstructions;
  commandLine: CommandExample[];
  /** SFTP only. */
  knownHosts?: KnownHostsCheck;
  /** Present only when the destination uses the legacy algorithm profile. */
  legacyAlgorithms?: LegacyAlgorithms;
  warnings: string[];
}
