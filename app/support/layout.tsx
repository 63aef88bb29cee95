import { AppShell } from "@/app/app-shell";
import { requirePageRole } from "@/lib/auth/session";

export default async function SupportLayout({ children }: { children: React.ReactNode }) {
  const actor = await requirePageRole("support");
  return <AppShell actor={actor}>{children}</AppShell>;
}
