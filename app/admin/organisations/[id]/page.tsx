import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { requirePageRole } from "@/lib/auth/session";
import { OrganisationDetail } from "@/app/admin/organisations/organisation-detail";

export const metadata: Metadata = { title: "Organisation" };

export default async function OrganisationPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ approved?: string | string[] }> }) {
  const actor = await requirePageRole("admin");
  const parsed = z.string().uuid().safeParse((await params).id);
  if (!parsed.success) notFound();
  return <OrganisationDetail actor={actor} organisationId={parsed.data} readOnly={false} justApproved={(await searchParams).approved === "1"} />;
}
