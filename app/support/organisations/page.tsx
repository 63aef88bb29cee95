import type { Metadata } from "next";
import { z } from "zod";
import { PageHeader } from "@/app/app-shell";
import { OrganisationTable } from "@/app/admin/organisations/organisation-table";
import { searchOrganisations } from "@/lib/organisations/service";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Organisations" };

export default async function SupportOrganisationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("support");
  const { q } = z.object({ q: z.string().trim().max(200).optional().catch(undefined) }).parse(await searchParams);
  const organisations = await searchOrganisations(actor, q);
  return (
    <>
      <PageHeader title="Organisations" description="Every trading partner organisation, read-only: users, accounts, destinations and keys." />
      <OrganisationTable organisations={organisations} search={q} basePath="/support/organisations" />
    </>
  );
}
