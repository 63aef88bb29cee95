import "server-only";
import type { PeerCertificate } from "node:tls";

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
