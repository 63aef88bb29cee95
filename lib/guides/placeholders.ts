import type { Protocol } from "@/lib/transfers/types";
import type { GuideContext } from "@/lib/guides/types";

export const PLACEHOLDER_NAMES = [
  "host",
  "port",
  "passiveRange",
  "egressIps",
  "protocolName",
  "username",
  "remoteDir",
  "hostKeyFingerprint",
  "certificateFingerprint",
] as const;

export type PlaceholderName = (typeof PLACEHOLDER_NAMES)[number];

const PLACEHOLDER_PATTERN = /\{([A-Za-z]+)\}/g;

/** Every `{name}` in a text, known or not (tests use it to catch typos). */
export function findPlaceholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER_PATTERN)].map((match) => match[1]);
}

export function protocolName(protocol: Protocol | undefined): string {
  switch (protocol) {
    case "sftp":
      return "SFTP (file transfer over SSH)";
    case "ftps_explicit":
      return "FTPS with explicit TLS";
    case "ftps_implicit":
      return "FTPS with implicit TLS";
    default:
      return "SFTP or FTPS (whichever the payer specifies)";
  }
}

export function defaultPort(protocol: Protocol | undefined): number | undefined {
  if (protocol === "sftp") return 22;
  if (protocol === "ftps_explicit") return 21;
  if (protocol === "ftps_implicit") return 990;
  return undefined;
}

/** "a", "a and b", "a, b and c". */
export function listInProse(items: string[], conjunction = "and"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

/**
 * The portal's egress address(es) as they appear inside a sentence. With nothing configured we
 * must not print an empty list: a payer would allow-list nothing and the partner would not know why.
 */
export function egressIpsInProse(egressIps: string[]): string {
  const ips = egressIps.map((ip) => ip.trim()).filter(Boolean);
  if (ips.length === 0) {
    return "the portal's egress IP address (the portal's operator has not configured its egress IP yet; support can provide it)";
  }
  return listInProse(ips);
}

/** A standalone sentence about the egress address, for pages that show it outside a guide. */
export function egressIpSentence(egressIps: string[]): string {
  const ips = egressIps.map((ip) => ip.trim()).filter(Boolean);
  if (ips.length === 0) {
    return "The portal's operator has not configured its egress IP yet, so it cannot be shown here; support can provide it.";
  }
  const noun = ips.length === 1 ? "address" : "addresses";
  return `The portal connects to payers only from the fixed ${noun} ${listInProse(ips)}.`;
}

function nonEmpty(values: string[] | undefined): string[] {
  return (values ?? []).map((value) => value.trim()).filter(Boolean);
}

/** Values for prose: missing facts become descriptive phrases, so every sentence still reads. */
export function proseValues(context: GuideContext): Record<PlaceholderName, string> {
  const port = context.port ?? defaultPort(context.protocol);
  const hostKeys = nonEmpty(context.hostKeyFingerprints);
  const certificates = nonEmpty(context.certificateFingerprints);
  return {
    host: context.host?.trim() || "the payer's server",
    port: port !== undefined ? String(port) : "22 (SFTP), 21 (explicit FTPS) or 990 (implicit FTPS)",
    passiveRange: context.passiveRange
      ? `${context.passiveRange.min}-${context.passiveRange.max}`
      : "the passive port range the payer documents",
    egressIps: egressIpsInProse(context.egressIps),
    protocolName: protocolName(context.protocol),
    username: context.username?.trim() ? `"${context.username}"` : "the user name saved for your account",
    remoteDir: context.remoteDir?.trim() ? `"${context.remoteDir}"` : "the upload folder set for this destination",
    hostKeyFingerprint: hostKeys.length
      ? listInProse(hostKeys, "or")
      : "the host key fingerprint the payer publishes (not yet pinned in the portal)",
    certificateFingerprint: certificates.length
      ? listInProse(certificates, "or")
      : "the certificate fingerprint the payer publishes",
  };
}

/** Values for commands: missing facts become `<angle-bracket>` slots the reader must replace. */
export function commandValues(context: GuideContext): Record<PlaceholderName, string> {
  const port = context.port ?? defaultPort(context.protocol);
  const hostKeys = nonEmpty(context.hostKeyFingerprints);
  const certificates = nonEmpty(context.certificateFingerprints);
  const egress = nonEmpty(context.egressIps);
  return {
    host: context.host?.trim() || "<payer-host>",
    port: port !== undefined ? String(port) : "<port>",
    passiveRange: context.passiveRange ? `${context.passiveRange.min}:${context.passiveRange.max}` : "<first-port>:<last-port>",
    egressIps: egress.length ? egress.join(",") : "<portal-egress-ip>",
    protocolName: context.protocol ?? "<protocol>",
    username: context.username?.trim() || "<user-name>",
    remoteDir: context.remoteDir?.trim() || "<upload-folder>",
    hostKeyFingerprint: hostKeys[0] ?? "<SHA256:fingerprint>",
    certificateFingerprint: certificates[0] ?? "<certificate-sha256>",
  };
}

export function fillPlaceholders(text: string, values: Record<PlaceholderName, string>): string {
  return text.replace(PLACEHOLDER_PATTERN, (whole, name: string) =>
    (PLACEHOLDER_NAMES as readonly string[]).includes(name) ? values[name as PlaceholderName] : whole,
  );
}
