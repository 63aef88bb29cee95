import type { Metadata } from "next";
import { ComingSoon, PageHeader } from "@/components/app-shell";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Diagnostics" };

export default async function DiagnosticsPage() {
  await requirePageRole("support");
  return (
    <>
      <PageHeader title="Diagnostics" />
      <ComingSoon what="Diagnosis runs for any partner account arrive with the diagnosis release." />
    </>
  );
}
