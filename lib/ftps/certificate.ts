import "server-only";
import tls, { type PeerCertificate } from "node:tls";

/** What we show about a server certificate in transcripts and in "fetch and review". */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  validFrom?: string;
  validTo?: string;
  /** SHA-256 of the DER certificate, upper-case hex with colons. */
  sha256: string;
  expired: boolean;
  notYetValid: boolean;
}

/** "aa:bb..." / "AABB..." -> "AABB..." so pins compare regardless of how an admin pasted them. */
export function normalizeSha256(hex: string): string {
  return hex.replace(/[:\s]/g, "").toUpperCase();
}

export function pinMatches(actualSha256: string, pins: string[]): boolean {
  const actual = normalizeSha256(actualSha256);
  return actual.length === 64 && pins.some((pin) => normalizeSha256(pin) === actual);
}

function formatName(name: PeerCertificate["subject"] | undefined): string {
  if (!name) return "";
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("+") : value}`)
    .join(", ");
}

function isoDate(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

export function summarizeCertificate(cert: PeerCertificate, now = new Date()): CertificateSummary {
  const validFrom = isoDate(cert.valid_from);
  const validTo = isoDate(cert.valid_to);
  return {
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    subjectAltNames: (cert.subjectaltname ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean),
    validFrom,
    validTo,
    sha256: cert.fingerprint256,
    expired: validTo !== undefined && new Date(validTo).getTime() < now.getTime(),
    notYetValid: validFrom !== undefined && new Date(validFrom).getTime() > now.getTime(),
  };
}

export function describeCertificate(summary: CertificateSummary): string {
  const names = summary.subjectAltNames.length ? `; names ${summary.subjectAltNames.join(", ")}` : "";
  return `certificate subject "${summary.subject}", issuer "${summary.issuer}"${names}; valid ${summary.validFrom ?? "?"} to ${summary.validTo ?? "?"}; SHA-256 ${summary.sha256}`;
}

/** Whether a certificate's names cover the configured host, and what that means, in plain words. */
export interface CertificateNameCheck {
  host: string;
  /** The names the certificate is issued for: its DNS / IP subject alternative names, else its CN. */
  names: string[];
  matches: boolean;
  explanation: string;
}

function commonName(subject: string): string | undefined {
  return /(?:^|,\s*)CN=([^,]+)/.exec(subject)?.[1]?.trim();
}

/** Why a wildcard name does not cover the host, when that is the near miss. */
function wildcardNearMiss(host: string, name: string): string | undefined {
  if (!name.startsWith("*.")) return undefined;
  const base = name.slice(2).toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, "");
  if (h === base) return `"${name}" covers names one level below ${base} (such as a.${base}), not ${base} itself.`;
  if (h.endsWith(`.${base}`) && h.slice(0, -base.length - 1).includes(".")) {
    return `"${name}" stands for exactly one label in place of "*" (such as a.${base}), so it does not cover ${h}, which is more than one level below ${base}.`;
  }
  return undefined;
}

/**
 * Check the certificate's names against the configured host as TLS does (Node's
 * checkServerIdentity: a leading "*" stands for exactly one label, so *.example.test covers
 * a.example.test but neither example.test nor a.b.example.test; the CN counts only when there are
 * no DNS names), and explain what a mismatch means for CA verification and for pinning.
 */
export function checkCertificateNames(host: string, subjectAltNames: string[], subject: string): CertificateNameCheck {
  const sanNames = subjectAltNames
    .map((entry) => /^(DNS|IP Address):(.*)$/.exec(entry.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[2].trim());
  const cn = commonName(subject);
  const names = sanNames.length ? sanNames : cn ? [cn] : [];
  const peer = { subject: cn ? { CN: cn } : {}, subjectaltname: subjectAltNames.join(", ") } as unknown as PeerCertificate;
  const matches = names.length > 0 && tls.checkServerIdentity(host, peer) === undefined;
  if (matches) return { host, names, matches, explanation: `The certificate's names (${names.join(", ")}) cover ${host}.` };
  const issued = names.length ? `The certificate is issued for ${names.join(", ")}, not for ${host}.` : `The certificate names no host at all, so it does not cover ${host}.`;
  const hints = names.map((name) => wildcardNearMiss(host, name)).filter(Boolean);
  return {
    host,
    names,
    matches,
    explanation: [
      issued,
      ...hints,
      "CA verification checks the name as well as the issuer, so it refuses this server (TLS_HOSTNAME_MISMATCH) even if a trusted authority signed the certificate.",
      "Pinning accepts this exact certificate, by its SHA-256 fingerprint, regardless of its names or issuer. Ask the payer for the host name the certificate covers if you would rather keep CA verification.",
    ].join(" "),
  };
}
