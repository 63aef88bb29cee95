import { AppShell } from "@/app/app-shell";
import { OutageBanner } from "@/components/outage-banner";
import { requirePageRole } from "@/lib/auth/session";

export default async function PartnerLayout({ children }: { children: React.ReactNode }) {
  const actor = await requirePageRole("partner");
  return (
    <AppShell actor={actor}>
      <OutageBanner actor={actor} />
      {children}
    </AppShell>
  );
}
