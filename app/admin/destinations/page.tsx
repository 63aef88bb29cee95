import type { Metadata } from "next";
import { ComingSoon, PageHeader } from "@/components/app-shell";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Destinations" };

export default async function DestinationsPage() {
  await requirePageRole("admin");
  return (
    <>
      <PageHeader title="Destinations" />
      <ComingSoon what="Payer destinations (SFTP and FTPS) are defined here in the transfer engine release." />
    </>
  );
}
