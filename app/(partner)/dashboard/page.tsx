import type { Metadata } from "next";
import { PageHeader } from "@/app/app-shell";
import { OnboardingChecklist } from "@/components/onboarding-checklist";
import { TransferStats } from "@/components/transfer-stats";
import { getPartnerDashboard } from "@/lib/organisations/onboarding";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const actor = await requirePageRole("partner");
  const { organisation, steps } = await getPartnerDashboard(actor);
  return (
    <>
      <PageHeader title={`Welcome, ${actor.name}`} description={`${organisation.name} · submitter ID ${organisation.submitterId}`} />
      <OnboardingChecklist steps={steps} />
      <TransferStats actor={actor} />
    </>
  );
}
