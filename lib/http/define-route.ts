import "server-only";
import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import { systemActor, type Actor, type SystemActor } from "@/lib/auth/actor";
import { authoriseSession, registerRoutePolicy, type Refusals, type RouteAccess } from "@/lib/auth/action-policy";
import type { Role } from "@/lib/auth/roles";
import { clientIpFrom } from "@/lib/auth/request-meta";
import { currentActor } from "@/lib/auth/session";
import { authenticateApiRequest } from "@/lib/api/authenticate";
import { env } from "@/lib/env";
import { ForbiddenError, HttpError, UnauthenticatedError } from "@/lib/errors";
import { describeIssues, toErrorResponse } from "@/lib/http/error-response";
import { resolveMonitoringToken } from "@/lib/monitoring/tokens";
import { countRequest, ratePolicies, retryAfterSeconds } from "@/lib/rate-limits/policies";
import { internalTokenMatches } from "@/lib/vault/internal-token";

export type { RouteAccess } from "@/lib/auth/action-policy";

/** Path parameters as Next.js passes them: `[id]` a string, `[...path]` and `[[...tus]]` arrays. */
type RawParams = Record<string, string | string[] | undefined>;

export interface MonitoringToken {
  tokenId: string;
  scope: "monitoring";
}

/** Who is calling, by the route's access: what `run` receives besides the request. */
export type CallerOf<A extends RouteAccess> = A extends { public: true }
  ? { actor: null }
  : A extends { apiToken: true }
    ? { actor: Actor; tokenId: string }
    : A extends { internalToken: true }
      ? { actor: SystemActor }
      : A extends { monitoringToken: true }
        ? A extends { roles: Role[] }
          ? { actor: Actor; monitoringToken: null } | { actor: null; monitoringToken: MonitoringToken }
          : { actor: null; monitoringToken: MonitoringToken }
        : { actor: Actor };

type ParamsOf<P> = P extends z.ZodType ? z.infer<P> : RawParams;
type QueryOf<Q> = Q extends z.ZodType ? z.infer<Q> : Record<string, string>;

export type RouteContext<A extends RouteAccess, P, Q> = CallerOf<A> & { ip: string | null; params: P; query: Q };

export interface RouteOptions<A extends RouteAccess, P extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  /** Unique among actions and routes: names the handler in the authorization matrix and in logs. */
  name: string;
  access: A;
  /** Validates the path parameters; a mismatch answers 400 before `run`. */
  params?: P;
  /** Validates the query string (empty values count as absent: forms send every field); a mismatch answers 400 before `run`. */
  query?: Q;
  /** The message of that 400: fixed, or built from the issues ("from: use a date like 2026-11-21"). */
  invalidInput?: string | ((issues: string) => string);
  /** Route-specific wording of the 401 and 403 refusals. */
  refusals?: Refusals;
  /** Headers every error answer of this route carries (e.g. the tus protocol version). */
  errorHeaders?: Record<string, string>;
}

/** A route handler as Next.js calls it: the request, and a promise of the path parameters. */
export type RouteHandler = (request: Request, segment?: { params: Promise<RawParams> }) => Promise<Response>;

/**
 * Every route handler is built here, the way every server action is built with defineAction: the
 * caller is authenticated by the route's access (session cookie with the same role rules as actions,
 * the partner API token, a monitoring token, the internal operator token, or nobody), path and query
 * are validated, `run` answers, and anything thrown becomes the one JSON error body
 * `{ "error": { "code", "message" } }` (lib/http/error-response.ts). The access is registered with
 * the handler in the same registry as actions' (lib/auth/action-policy.ts), so the authorization
 * matrix reads every route's policy from the code.
 */
export function defineRoute<A extends RouteAccess, P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  options: RouteOptions<A, P, Q>,
  run: (request: Request, context: RouteContext<A, ParamsOf<P>, QueryOf<Q>>) => Promise<Response> | Response,
): RouteHandler {
  const handler: RouteHandler = async function route(request, segment) {
    try {
      const caller = await authenticate(request, options.access, options.refusals ?? {});
      const params = validate(options.params, (await segment?.params) ?? {}, "path", options.invalidInput);
      const url = new URL(request.url);
      const query = options.query
        ? validate(options.query, Object.fromEntries([...url.searchParams].filter(([, value]) => value !== "")), "query", options.invalidInput)
        : Object.fromEntries(url.searchParams);
      // The caller's shape follows from the access (CallerOf); authenticate() builds it by the same cases.
      const context = { ...caller, ip: clientIpFrom(request.headers), params, query } as unknown as RouteContext<A, ParamsOf<P>, QueryOf<Q>>;
      return await run(request, context);
    } catch (error) {
      unstable_rethrow(error);
      const response = toErrorResponse(error, options.name);
      for (const [name, value] of Object.entries(options.errorHeaders ?? {})) response.headers.set(name, value);
      return response;
    }
  };
  registerRoutePolicy(handler, { name: options.name, access: options.access, params: options.params, query: options.query });
  return handler;
}

function validate(schema: z.ZodType | undefined, raw: unknown, part: "path" | "query", invalidInput: RouteOptions<RouteAccess, undefined, undefined>["invalidInput"]): unknown {
  if (!schema) return raw;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = describeIssues(parsed.error);
  const message = typeof invalidInput === "string" ? invalidInput : invalidInput ? invalidInput(issues) : `Check the ${part}: ${issues}.`;
  throw new HttpError(400, "INVALID_REQUEST", message);
}

type AnyCaller = { actor: Actor | SystemActor | null; tokenId?: string; monitoringToken?: MonitoringToken | null };

async function authenticate(request: Request, access: RouteAccess, refusals: Refusals): Promise<AnyCaller> {
  if ("public" in access) return { actor: null };
  if ("apiToken" in access) {
    // Bearer token only: a session cookie sent along is ignored. Tokens act as partners of approved organisations.
    const { actor, tokenId } = await authenticateApiRequest(request);
    return { actor: authoriseSession(actor, { roles: ["partner"] }, refusals), tokenId };
  }
  if ("internalToken" in access) {
    const presented = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? null;
    if (!internalTokenMatches(env().DATA_DIR, presented)) throw new ForbiddenError(refusals.forbidden ?? "Not allowed.");
    return { actor: systemActor("operator") };
  }
  if ("monitoringToken" in access) {
    // Token-only routes (the metrics) never look at the session: a scraper has none.
    if (!("roles" in access)) return { actor: null, monitoringToken: await authenticateMonitoringToken(request, { sessionToo: false }) };
    // A monitoring system sends its token; a browser its session. A bearer token, when sent, is the credential.
    if (request.headers.get("authorization")) return { actor: null, monitoringToken: await authenticateMonitoringToken(request, { sessionToo: true }) };
    try {
      return { actor: authoriseSession(await currentActor(), access, refusals), monitoringToken: null };
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw new HttpError(401, "UNAUTHENTICATED", error.message, { headers: MONITORING_CHALLENGE });
      throw error;
    }
  }
  return { actor: authoriseSession(await currentActor(), access, refusals) };
}

const MONITORING_CHALLENGE = { "www-authenticate": 'Bearer realm="edi-portal-monitoring"' };
/** Per monitoring token: a monitoring system polls every few seconds at most. */
const MONITORING_TOKEN_LIMIT = ratePolicies.monitoringToken;

async function authenticateMonitoringToken(request: Request, options: { sessionToo: boolean }): Promise<MonitoringToken> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  const token = match ? await resolveMonitoringToken(match[1]) : null;
  if (!token) {
    const needs = options.sessionToo ? "a monitoring token (create one as an admin on the Account page) or an admin session" : "a monitoring token as “Authorization: Bearer edm_…” (create one as an admin on the Account page)";
    throw new HttpError(401, "UNAUTHENTICATED", `This endpoint needs ${needs}.`, { headers: MONITORING_CHALLENGE });
  }
  const state = await countRequest(["monitoringToken", token.tokenId]);
  if (state.count > MONITORING_TOKEN_LIMIT.max) {
    const until = state.blockedUntil ?? new Date(Date.now() + MONITORING_TOKEN_LIMIT.windowMs);
    throw new HttpError(429, "RATE_LIMITED", `More than ${MONITORING_TOKEN_LIMIT.max} requests a minute with this token: poll less often.`, { headers: { "retry-after": String(retryAfterSeconds(until)) } });
  }
  return token;
}
