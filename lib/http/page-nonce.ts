import "server-only";
import { headers } from "next/headers";

/**
 * This request's CSP nonce, for a page's own inline scripts (the theme script). server.ts puts the
 * policy it sends on the request's `content-security-policy` header (lib/http/security-headers.ts),
 * where Next.js reads it for its own scripts; a client cannot choose it, since server.ts replaces
 * whatever header the client sent.
 */
export async function pageNonce(): Promise<string | undefined> {
  const policy = (await headers()).get("content-security-policy") ?? "";
  return nonceFromPolicy(policy);
}

export function nonceFromPolicy(policy: string): string | undefined {
  return /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(policy)?.[1];
}
