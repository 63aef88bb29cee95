import { redirect } from "next/navigation";
import { roleHome } from "@/lib/auth/roles";
import { currentActor } from "@/lib/auth/session";

export default async function Home() {
  const actor = await currentActor();
  if (!actor) redirect("/sign-in");
  if (actor.role === "partner" && actor.organisationStatus !== "approved") redirect("/pending");
  redirect(roleHome[actor.role]);
}
