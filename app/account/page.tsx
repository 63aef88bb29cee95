import type { Metadata } from "next";
import { AppShell, PageHeader } from "@/components/app-shell";
import { listOpenInvitations } from "@/db/queries/invitations";
import { listOrganisationUsers } from "@/db/queries/users";
import { requirePageActor } from "@/lib/auth/session";
import { redirect } from "next/navigation";
import { ChangePasswordForm, ColleagueRow, InviteColleagueForm } from "./forms";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const actor = await requirePageActor();
  if (actor.role === "partner" && actor.organisationStatus !== "approved") redirect("/pending");
  const colleagues = actor.role === "partner" && actor.organisationId ? await listOrganisationUsers(actor, actor.organisationId) : [];
  const invitations = actor.role === "partner" && actor.isOrgAdmin && actor.organisationId ? await listOpenInvitations(actor, actor.organisationId) : [];
  return (
    <AppShell actor={actor}>
      <PageHeader title="Your account" description={actor.email} />
      <div className="grid gap-8 lg:grid-cols-2">
        <section aria-labelledby="password-heading" className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="password-heading" className="mb-3 text-lg font-semibold">
            Change password
          </h2>
          <ChangePasswordForm />
        </section>
        {actor.role === "partner" ? (
          <section aria-labelledby="colleagues-heading" className="rounded-lg border border-slate-200 bg-white p-5">
            <h2 id="colleagues-heading" className="mb-3 text-lg font-semibold">
              Colleagues
            </h2>
            <ul className="divide-y divide-slate-200">
              {colleagues.map((user) => (
                <ColleagueRow key={user.id} user={user} manageable={actor.isOrgAdmin && user.id !== actor.userId} />
              ))}
            </ul>
            {actor.isOrgAdmin ? (
              <>
                {invitations.length ? (
                  <p className="mt-3 text-sm text-slate-600">Open invitations: {invitations.map((i) => i.email).join(", ")}</p>
                ) : null}
                <div className="mt-4">
                  <InviteColleagueForm />
                </div>
              </>
            ) : (
              <p className="mt-3 text-sm text-slate-600">Your organisation&apos;s administrator can invite more colleagues.</p>
            )}
          </section>
        ) : null}
      </div>
    </AppShell>
  );
}
