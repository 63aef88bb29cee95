import "server-only";
import tls from "node:tls";

/**
 * The TLS client contexts of this thread, one per trust store, built once and reused by every
 * outbound TLS connection (FTPS control and data connections, webhooks).
 *
 * Why: node:tls builds a new SecureContext (an OpenSSL SSL_CTX) for every connection that does not
 * bring one, and one whose `ca` lists the public roots parses every one of them again: about 140
 * certificates, 23 ms of CPU per connection (measured in docs/engine-profile.md, 2026-12-06 afternoon).
 * An FTPS relay opens two connections, so each relay to a CA-verified payer spent about 46 ms before
 * its first byte; a webhook with WEBHOOK_CA_FILE set spent 23 ms of the page thread's event loop.
 *
 * Sharing is safe: a context holds only configuration (protocol versions, trust store). Sessions
 * are not shared through it (Node turns OpenSSL's internal session cache off; a connection resumes
 * only the session passed to it), and the certificate check stays per connection.
 */
export interface ClientTrust {
  /** PEM certificates trusted besides the public roots (a destination's private CA bundle). */
  extraCaPem?: string;
  minVersion?: tls.SecureVersion;
}

/** Distinct trust stores kept; the least recently used goes first. Each holds a parsed copy of the roots (0.96 MiB of RSS, measured). */
export const MAX_CLIENT_CONTEXTS = 16;

const contexts = new Map<string, tls.SecureContext>();

// Keyed by the bundle's text itself (public certificates, no secret): no hashing on each connection.
function keyOf({ extraCaPem, minVersion }: ClientTrust): string {
  return `${minVersion ?? "default"}\n${extraCaPem ?? ""}`;
}

/**
 * The context for a trust store. Without `extraCaPem` it trusts Node's root store (the public
 * roots, and NODE_EXTRA_CA_CERTS when the operator sets it), which Node parses once per process;
 * with it, the public roots plus those certificates.
 */
export function clientSecureContext(trust: ClientTrust = {}): tls.SecureContext {
  const key = keyOf(trust);
  const kept = contexts.get(key);
  if (kept) {
    contexts.delete(key);
    contexts.set(key, kept);
    return kept;
  }
  const context = tls.createSecureContext({
    ...(trust.minVersion ? { minVersion: trust.minVersion } : {}),
    ...(trust.extraCaPem ? { ca: [...tls.rootCertificates, trust.extraCaPem] } : {}),
  });
  contexts.set(key, context);
  if (contexts.size > MAX_CLIENT_CONTEXTS) contexts.delete(contexts.keys().next().value as string);
  return context;
}
