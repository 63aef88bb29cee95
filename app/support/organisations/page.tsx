import type { Metadata } from "next";
import { PageHeader } from "@/app/app-shell";
import { ORGANISATIONS_PAGE_SIZE, OrganisationTable, organisationListParams, organisationSortOf } from "@/app/admin/organisations/organisation-table";
import { listOrganisationsPage } from "@/lib/organisations/service";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Organisations" };

export default async function SupportOrganisationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("support");
  const params = organisationListParams.parse(await searchParams);
  const { sort, direction } = organisationSortOf(params);
  const listing = listOrganisationsPage(actor, { search: params.q, sort, direction, page: params.page ?? 1, pageSize: ORGANISATIONS_PAGE_SIZE });
  const { rows: organisations, total } = await listing;
  return (
    <>
      <PageHeader title="Organisations" description="Every trading partner organisation, read-only: users, accounts, destinations and keys." />
      <OrganisationTable organisations={organisations} params={params} total={total} basePath="/support/organisations" />
    </>
  );
}
