import "server-only";
import net from "node:net";

/** Days before expiry from which the certificate stage warns. */
export const EXPIRY_WARNING_DAYS = 21;

/**
 * The certificate name that covers `host`, following RFC 6125 as Node does: a wildcard stands for
 * exactly one left-most label ("*.example.com" covers "ftp.example.com", not "example.com" or
 * "a.b.example.com"). IP hosts match IP entries only.
 */
export function matchingCertificateName(host: string, subjectAltNames: string[]): string | undefined {
  const wanted = host.toLowerCase().replace(/\.$/, "");
  if (net.isIP(wanted)) return subjectAltNames.find((entry) => entry === `IP Address:${wanted}` || entry === `IP:${wanted}`);
  for (const entry of subjectAltNames) {
    if (!entry.startsWith("DNS:")) continue;
    const name = entry.slice(4).toLowerCase().replace(/\.$/, "");
    if (name === wanted) return entry;
    if (name.startsWith("*.")) {
      const suffix = name.slice(1); // ".example.com"
      const label = wanted.slice(0, wanted.length - suffix.length);
      if (wanted.endsWith(suffix) && label.length > 0 && !label.includes(".")) return entry;
    }
  }
  return undefined;
}

export function daysUntil(iso: string | undefined, now = new Date()): number | undefined {
  if (!iso) return undefined;
  const time = new Date(iso).getTime();
  if (Number.isNaN(time)) return undefined;
  return Math.floor((time - now.getTime()) / 86_400_000);
}

export function hasWildcardName(subjectAltNames: string[]): boolean {
  return subjectAltNames.some((entry) => entry.startsWith("DNS:*."));
}
