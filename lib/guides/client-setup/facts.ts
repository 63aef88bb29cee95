import type { DestinationSpec } from "@/lib/transfers/types";
import { fileSlug } from "@/lib/guides/client-setup/shell";

/** What every client's instructions are built from: the destination, plus a few derived names. */
export interface SetupFacts {
  destination: DestinationSpec;
  /** The partner's user name, or a visible slot when we do not know it. */
  username: string;
  usernameKnown: boolean;
  usesPassword: boolean;
  usesKey: boolean;
  legacy: boolean;
  /** Suggested local file names, so the commands can be copied as they are. */
  privateKeyFile: string;
  knownHostsFile: string;
  hostKeyFingerprints: string[];
  certificateFingerprints: string[];
}

export function setupFacts(destination: DestinationSpec, username: string | undefined): SetupFacts {
  const slug = fileSlug(destination.name);
  const trimmed = username?.trim();
  return {
    destination,
    username: trimmed ? trimmed : "<user-name>",
    usernameKnown: Boolean(trimmed),
    usesPassword: destination.auth !== "key",
    usesKey: destination.auth !== "password",
    legacy: destination.algorithmProfile === "legacy",
    privateKeyFile: `~/.ssh/${slug}_rsa`,
    knownHostsFile: `~/.ssh/known_hosts_${slug}`,
    hostKeyFingerprints: destination.hostKeyFingerprints.filter(Boolean),
    certificateFingerprints: destination.tls.mode === "pinned" ? destination.tls.certSha256.filter(Boolean) : [],
  };
}

export function authenticationText(facts: SetupFacts): string {
  switch (facts.destination.auth) {
    case "password":
      return "Password";
    case "key":
      return "SSH key (RSA 2048-bit private key)";
    case "password_and_key":
      return "Password and SSH key, both required (the server accepts the password first with \"partial success\", then asks for the key)";
  }
}

export function fingerprintText(values: string[], missing: string): string {
  return values.length ? values.join(" or ") : missing;
}
