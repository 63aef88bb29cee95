import type { Metadata } from "next";
import { ComingSoon, PageHeader } from "@/components/app-shell";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Transfers" };

export default async function TransfersPage() {
  await requirePageRole("support");
  return (
    <>
      <PageHeader title="Transfers" />
      <ComingSoon what="Searching transfers across organisations arrives with the upload and relay release." />
    </>
  );
}
