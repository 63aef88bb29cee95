import type { z } from "zod";
import { requireApprovedPartner, type Actor } from "@/lib/auth/actor";
import type { Role } from "@/lib/auth/roles";
import { ForbiddenError, UnauthenticatedError } from "@/lib/errors";

/*
 * The policy registry: every server action (defineAction, lib/auth/action.ts) and every route
 * handler (defineRoute, lib/http/define-route.ts) declares who may call it, and the declaration
 * travels with the function. The authorization matrix (test/attack/authorization-matrix.test.ts)
 * reads it from the code itself, for actions and routes from the same table.
 */

/** Who may call a server action; route handlers use the same three, plus the bearer kinds of RouteAccess. */
export type Access =
  | { public: true }
  /** Any signed-in user, including a partner whose organisation is still pending. */
  | { signedIn: true }
  /** These roles only; a partner also only inside an approved organisation. */
  | { roles: Role[] };

/** Who may call a route handler. */
export type RouteAccess =
  | Access
  /** A session with one of these roles (as above), or instead a monitoring token (an admin's `edm_…` bearer token). */
  | { roles: Role[]; monitoringToken: true }
  /** A monitoring token only (a Prometheus scraper has no session): sessions, admins' included, are no credential. */
  | { monitoringToken: true }
  /** The partner API: a partner's API token (`edi_…`) as a bearer token, counted against its rate limit; cookies are ignored. */
  | { apiToken: true }
  /** The operator's local token (DATA_DIR/internal-token) as a bearer token: command-line tools on the same machine. */
  | { internalToken: true };

/** How a caller proves who they are: what the matrix probes for each kind. */
export type AccessKind = "public" | "session" | "api-token" | "internal-token" | "monitoring-token";

export function accessKind(access: RouteAccess): AccessKind {
  if ("public" in access) return "public";
  if ("apiToken" in access) return "api-token";
  if ("internalToken" in access) return "internal-token";
  if ("monitoringToken" in access && !("roles" in access)) return "monitoring-token";
  return "session";
}

/** The roles a session needs, or null when any signed-in user (or no session at all) passes. */
export function rolesOf(access: RouteAccess): Role[] | null {
  return "roles" in access ? access.roles : null;
}

/** What an action declares about itself: read by the authorization matrix (test/attack). */
export interface ActionPolicy {
  kind: "action";
  name: string;
  access: Access;
  schema: z.ZodType;
  secretFields: string[];
}

/** What a route handler declares about itself; one handler may be exported under several methods. */
export interface RoutePolicy {
  kind: "route";
  name: string;
  access: RouteAccess;
  params?: z.ZodType;
  query?: z.ZodType;
}

export type Policy = ActionPolicy | RoutePolicy;

const policies = new WeakMap<object, Policy>();

export function registerActionPolicy(action: object, policy: Omit<ActionPolicy, "kind">): void {
  policies.set(action, { kind: "action", ...policy });
}

export function registerRoutePolicy(handler: object, policy: Omit<RoutePolicy, "kind">): void {
  policies.set(handler, { kind: "route", ...policy });
}

/** The declared policy of a server action or route handler, or undefined for anything else. */
export function policyOf(fn: unknown): Policy | undefined {
  return typeof fn === "function" ? policies.get(fn) : undefined;
}

/** The declared policy of a server action built with defineAction, or undefined for anything else. */
export function actionPolicyOf(action: unknown): ActionPolicy | undefined {
  const policy = policyOf(action);
  return policy?.kind === "action" ? policy : undefined;
}

/** The declared policy of a route handler built with defineRoute, or undefined for anything else. */
export function routePolicyOf(handler: unknown): RoutePolicy | undefined {
  const policy = policyOf(handler);
  return policy?.kind === "route" ? policy : undefined;
}

/** Route-specific wording of the refusals (the codes and statuses stay the same). */
export interface Refusals {
  unauthenticated?: string;
  forbidden?: string;
}

/**
 * The one rule for a session, shared by server actions and route handlers: signed in; with `roles`,
 * one of them, and a partner only inside an approved organisation. Throws UnauthenticatedError (401)
 * or ForbiddenError (403).
 */
export function authoriseSession(actor: Actor | null, access: { signedIn: true } | { roles: Role[] }, refusals: Refusals = {}): Actor {
  if (!actor) throw new UnauthenticatedError(refusals.unauthenticated);
  if ("roles" in access) {
    if (!access.roles.includes(actor.role)) throw new ForbiddenError(refusals.forbidden);
    if (actor.role === "partner") requireApprovedPartner(actor);
  }
  return actor;
}
