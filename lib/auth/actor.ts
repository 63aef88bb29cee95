import "server-only";
import type { UserRole } from "@/db/schema";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";

/** The signed-in user on whose behalf a service runs. Only lib/auth/session.ts constructs one. */
export interface Actor {
  userId: string;
  email: string;
  name: string;
  role: UserRole;
  organisationId: string | null;
  organisationStatus: "pending" | "approved" | "rejected" | null;
  isOrgAdmin: boolean;
  sessionId: string;
  /** When the user last entered their password in this session. */
  reauthenticatedAt: Date;
  ip: string | null;
}

export function requireRole(actor: Actor | null | undefined, ...roles: UserRole[]): Actor {
  if (!actor) throw new UnauthenticatedError();
  if (!roles.includes(actor.role)) throw new ForbiddenError();
  return actor;
}

/** Partners act only inside an approved organisation. */
export function requireApprovedPartner(actor: Actor | null | undefined): Actor & { organisationId: string } {
  const partner = requireRole(actor, "partner");
  if (!partner.organisationId || partner.organisationStatus !== "approved") {
    throw new ForbiddenError("Your organisation is waiting for approval.");
  }
  return partner as Actor & { organisationId: string };
}

/**
 * Rows of another organisation look exactly like missing rows to a partner, so ids cannot be probed.
 * Admins and support may read across organisations.
 */
export function assertCanRead(actor: Actor, organisationId: string | null | undefined, what = "record"): void {
  if (actor.role === "admin" || actor.role === "support") return;
  if (!organisationId || actor.organisationId !== organisationId) throw new NotFoundError(what);
}

/** Writes: admins anywhere, partners only in their own organisation, support never. */
export function assertCanWrite(actor: Actor, organisationId: string | null | undefined, what = "record"): void {
  if (actor.role === "support") throw new ForbiddenError("Support accounts are read-only.");
  if (actor.role === "admin") return;
  if (!organisationId || actor.organisationId !== organisationId) throw new NotFoundError(what);
}

/**
 * Work nobody signed in for (the relay worker, schedulers, start-up seeding) still names who did it:
 * services that such work calls take a SystemActor, and the audit log records it by this name.
 */
export type SystemActorName =
  | "relay-worker"
  | "notification-dispatcher"
  | "scheduler"
  | "bootstrap"
  | "retention"
  | "monitoring"
  | "operator";

export interface SystemActor {
  readonly kind: "system";
  readonly name: SystemActorName;
}

export function systemActor(name: SystemActorName): SystemActor {
  return { kind: "system", name };
}

export function isSystemActor(actor: Actor | SystemActor): actor is SystemActor {
  return "kind" in actor && actor.kind === "system";
}
