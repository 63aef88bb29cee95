import { AppShell } from "@/app/app-shell";
import { requirePageRole } from "@/lib/auth/session";

/** The payer files inbox is everyone's: partners read their organisation's files, support and admins all. */
export default async function ResponsesLayout({ children }: { children: React.ReactNode }) {
  const actor = await requirePageRole("partner", "admin", "support");
  return <AppShell actor={actor}>{children}</AppShell>;
}
