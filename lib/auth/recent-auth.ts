import "server-only";
import { markReauthenticated } from "@/db/queries/sessions";
import { getOwnPasswordHash } from "@/db/queries/users";
import type { Actor } from "@/db/queries/actor";
import { recordAudit } from "@/db/queries/audit";
import { UserInputError } from "@/lib/errors";
import { verifyPassword } from "./password";

export const RECENT_AUTH_MS = 5 * 60_000;

/**
 * Sensitive actions (secrets, private-key downloads) need a password entered in the last five
 * minutes. A form may carry `currentPassword`; when it is right, the session is marked fresh.
 */
export async function requireRecentAuthentication(actor: Actor, currentPassword: string | undefined): Promise<void> {
  if (Date.now() - actor.reauthenticatedAt.getTime() < RECENT_AUTH_MS) return;
  if (!currentPassword) throw new UserInputError("For your security, enter your portal password to confirm it is you.", "currentPassword");
  if (!(await verifyPassword(await getOwnPasswordHash(actor), currentPassword))) {
    await recordAudit({ actor, organisationId: actor.organisationId, action: "auth.reauthenticate", result: "failure", ip: actor.ip });
    throw new UserInputError("That is not your portal password.", "currentPassword");
  }
  await markReauthenticated(actor.sessionId);
  await recordAudit({ actor, organisationId: actor.organisationId, action: "auth.reauthenticate", result: "success", ip: actor.ip });
}

/** Whether the next sensitive action will have to ask for the password again. */
export function needsReauthentication(actor: Actor, now = Date.now()): boolean {
  return now - actor.reauthenticatedAt.getTime() >= RECENT_AUTH_MS;
}
