import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { resolveApiToken } from "@/lib/api/tokens";
import { countAttempt, countRequest, limitedUntil, ratePolicies, retryAfterSeconds } from "@/lib/rate-limits/policies";
import { clientIpFrom } from "@/lib/auth/request-meta";
import { ApiError } from "@/lib/api/errors";

/** Per token: generous for batch jobs, low enough that a runaway loop cannot flood the relay. */
export const API_RATE_LIMIT = ratePolicies.apiToken;

const unauthenticated = (message: string) => new ApiError(401, "UNAUTHENTICATED", message, {}, { "www-authenticate": 'Bearer realm="edi-portal"' });

function tooManyFailures(until: Date): ApiError {
  const retryAfter = retryAfterSeconds(until);
  return new ApiError(
    429,
    "RATE_LIMITED",
    `Too many requests from your address had an invalid API token (${ratePolicies.apiTokenFailureIp.max} in ${ratePolicies.apiTokenFailureIp.windowMs / 60_000} minutes). Wait ${retryAfter} seconds (see Retry-After), then check the token your system sends.`,
    {},
    { "retry-after": String(retryAfter) },
  );
}

/**
 * The partner behind the request's bearer token, after the token's rate limit. Throws an ApiError
 * (401 or 429) otherwise; the same 401 for an unknown, revoked or disabled token, so none can be probed.
 */
export async function authenticateApiRequest(request: Request): Promise<{ actor: Actor; tokenId: string }> {
  const ip = clientIpFrom(request.headers);
  // An address that sent too many wrong tokens is refused before any token is looked at, so
  // guessing tokens from one place stops quickly (the counter is in the database: every instance sees it).
  const ipBlockedUntil = await limitedUntil(["apiTokenFailureIp", ip]);
  if (ipBlockedUntil) throw tooManyFailures(ipBlockedUntil);
  const header = request.headers.get("authorization");
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  // A request without a token guesses nothing, so only presented, wrong tokens are counted.
  if (!match) throw unauthenticated("Send your API token in the Authorization header: “Authorization: Bearer edi_…”. Create one on the Account page of the portal.");
  const resolved = await resolveApiToken(match[1], ip);
  if (!resolved) {
    const blocked = await countAttempt(["apiTokenFailureIp", ip]);
    if (blocked) throw tooManyFailures(blocked);
    throw unauthenticated("This API token is not valid: it may have been revoked, or its user disabled. Create a new token on the Account page of the portal.");
  }
  const state = await countRequest(["apiToken", resolved.tokenId]);
  if (state.count > API_RATE_LIMIT.max) {
    const retryAfter = Math.max(1, Math.ceil(((state.blockedUntil?.getTime() ?? Date.now() + API_RATE_LIMIT.windowMs) - Date.now()) / 1000));
    throw new ApiError(
      429,
      "RATE_LIMITED",
      `This token made more than ${API_RATE_LIMIT.max} requests in a minute. Wait ${retryAfter} seconds (see Retry-After), then continue at a slower pace.`,
      {},
      { "retry-after": String(retryAfter) },
    );
  }
  return resolved;
}
