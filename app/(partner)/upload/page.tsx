import type { Metadata } from "next";
import { ComingSoon, PageHeader } from "@/components/app-shell";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Upload" };

export default async function UploadPage() {
  await requirePageRole("partner");
  return (
    <>
      <PageHeader title="Upload" />
      <ComingSoon what="Browser upload with resumable transfers and pre-flight checks arrives with the upload and relay release." />
    </>
  );
}
