import "server-only";

/**
 * server.ts replaces whatever client IP header a request arrived with by the one it derived from
 * the socket (and trusted proxy hops), so this value cannot be spoofed by the client.
 */
export const CLIENT_IP_HEADER = "x-portal-client-ip";

export function clientIpFrom(headers: Headers): string | null {
  return headers.get(CLIENT_IP_HEADER);
}

export function userAgentFrom(headers: Headers): string | null {
  return headers.get("user-agent");
}
