import "server-only";
import { cache } from "react";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { resolveSessionActor } from "@/lib/auth/sessions";
import type { Actor } from "@/lib/auth/actor";
import { roleHome } from "@/lib/auth/roles";
import { auth } from "@/lib/auth/auth";
import { clientIpFrom } from "@/lib/auth/request-meta";

/** The signed-in, still-valid actor for this request, or null. Checked against the database. */
export const currentActor = cache(async (): Promise<Actor | null> => {
  const session = (await auth()) as { sessionId?: string } | null;
  if (!session?.sessionId) return null;
  const ip = clientIpFrom(await headers());
  return resolveSessionActor(session.sessionId, ip);
});

/** For pages: the actor, or a redirect to sign-in. */
export async function requirePageActor(): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect("/sign-in");
  return actor;
}

/** For pages of one area: wrong role goes to its own home; pending partners to the waiting page. */
export async function requirePageRole(...roles: Actor["role"][]): Promise<Actor> {
  const actor = await requirePageActor();
  if (!roles.includes(actor.role)) redirect(roleHome[actor.role]);
  if (actor.role === "partner" && actor.organisationStatus !== "approved") redirect("/pending");
  return actor;
}
