import type { Metadata } from "next";
import { ComingSoon, PageHeader } from "@/components/app-shell";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "History" };

export default async function HistoryPage() {
  await requirePageRole("partner");
  return (
    <>
      <PageHeader title="History" />
      <ComingSoon what="Transfer history with attempts and transcripts arrives with the upload and relay release." />
    </>
  );
}
