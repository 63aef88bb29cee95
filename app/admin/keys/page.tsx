import type { Metadata } from "next";
import { ComingSoon, PageHeader } from "@/components/app-shell";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Keys" };

export default async function KeysPage() {
  await requirePageRole("admin");
  return (
    <>
      <PageHeader title="Keys" />
      <ComingSoon what="The key approval queue arrives with the keys release." />
    </>
  );
}
