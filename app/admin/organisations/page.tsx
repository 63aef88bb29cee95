import type { Metadata } from "next";
import { PageHeader } from "@/app/app-shell";
import { listOrganisationsPage } from "@/lib/organisations/service";
import { listStaffUsers } from "@/lib/organisations/users";
import { requirePageRole } from "@/lib/auth/session";
import { InviteStaffForm } from "@/app/admin/organisations/invite-staff-form";
import { ORGANISATIONS_PAGE_SIZE, OrganisationTable, organisationListParams, organisationSortOf } from "@/app/admin/organisations/organisation-table";
import { UserRow } from "@/app/admin/organisations/user-row";
import { toUserRowData } from "@/app/admin/organisations/user-row-data";
import { needsReauthentication } from "@/lib/auth/recent-auth";

export const metadata: Metadata = { title: "Organisations" };

export default async function OrganisationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("admin");
  const params = organisationListParams.parse(await searchParams);
  const { sort, direction } = organisationSortOf(params);
  const listing = listOrganisationsPage(actor, { search: params.q, sort, direction, page: params.page ?? 1, pageSize: ORGANISATIONS_PAGE_SIZE });
  const [{ rows: organisations, total }, staff] = await Promise.all([listing, listStaffUsers(actor)]);
  const needsPassword = needsReauthentication(actor);
  return (
    <>
      <PageHeader title="Organisations" description="Every trading partner organisation, its users and status." />
      <OrganisationTable organisations={organisations} params={params} total={total} basePath="/admin/organisations" />

      <section className="mt-12" aria-labelledby="staff-heading">
        <h2 id="staff-heading" className="mb-3 text-lg font-semibold">
          Portal staff
        </h2>
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {staff.map((user) => (
            <UserRow key={user.id} user={toUserRowData(user)} isSelf={user.id === actor.userId} needsPassword={needsPassword} />
          ))}
        </ul>
        <div className="mt-6 max-w-md">
          <InviteStaffForm />
        </div>
      </section>
    </>
  );
}
