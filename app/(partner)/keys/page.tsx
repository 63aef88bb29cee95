import type { Metadata } from "next";
import { ComingSoon, PageHeader } from "@/components/app-shell";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Keys & credentials" };

export default async function KeysPage() {
  await requirePageRole("partner");
  return (
    <>
      <PageHeader title="Keys & credentials" />
      <ComingSoon what="Key generation, key upload and encrypted credential storage arrive with the keys release." />
    </>
  );
}
