import { AppShell } from "@/app/app-shell";
import { requirePageRole } from "@/lib/auth/session";

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const actor = await requirePageRole("admin");
  return <AppShell actor={actor}>{children}</AppShell>;
}
