import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { OrganisationDetail } from "@/app/admin/organisations/organisation-detail";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Organisation" };

/** Support reads an organisation exactly as admins see it, without a single write control. */
export default async function SupportOrganisationPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePageRole("support");
  const parsed = z.string().uuid().safeParse((await params).id);
  if (!parsed.success) notFound();
  return <OrganisationDetail actor={actor} organisationId={parsed.data} readOnly />;
}
