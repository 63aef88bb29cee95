import type { Metadata } from "next";
import { ComingSoon, PageHeader } from "@/components/app-shell";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Troubleshooting" };

export default async function TroubleshootingPage() {
  await requirePageRole("partner");
  return (
    <>
      <PageHeader title="Troubleshooting" />
      <ComingSoon what="Staged connection diagnosis and the troubleshooting guides arrive with the diagnosis release." />
    </>
  );
}
