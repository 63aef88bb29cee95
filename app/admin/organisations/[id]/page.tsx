import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { PageHeader } from "@/components/app-shell";
import { getOrganisation } from "@/db/queries/organisations";
import { listOrganisationUsers } from "@/db/queries/users";
import { requirePageRole } from "@/lib/auth/session";
import { orNotFound } from "@/lib/not-found";
import { UserRow } from "../user-row";

export const metadata: Metadata = { title: "Organisation" };

export default async function OrganisationPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePageRole("admin");
  const parsed = z.string().uuid().safeParse((await params).id);
  if (!parsed.success) notFound();
  const [organisation, members] = await orNotFound(Promise.all([getOrganisation(actor, parsed.data), listOrganisationUsers(actor, parsed.data)]));
  return (
      <>
        <PageHeader title={organisation.name} description={`Submitter ID ${organisation.submitterId} · ${organisation.status}`} />
        <dl className="mb-8 grid max-w-xl grid-cols-[auto_1fr] gap-x-6 gap-y-1 text-sm">
          <dt className="text-slate-500">Contact</dt>
          <dd>{organisation.contactName}</dd>
          <dt className="text-slate-500">Email</dt>
          <dd>{organisation.contactEmail}</dd>
          <dt className="text-slate-500">Phone</dt>
          <dd>{organisation.contactPhone}</dd>
          {organisation.decisionReason ? (
            <>
              <dt className="text-slate-500">Decision reason</dt>
              <dd>{organisation.decisionReason}</dd>
            </>
          ) : null}
        </dl>
        <h2 className="mb-3 text-lg font-semibold">Users</h2>
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {members.map((user) => (
            <UserRow key={user.id} user={user} isSelf={false} />
          ))}
        </ul>
      </>
  );
}
