import Link from "next/link";
import type { Actor } from "@/lib/auth/actor";
import { navigation, type NavCounts } from "@/lib/auth/roles";
import { countPendingRegistrations } from "@/lib/organisations/service";
import { signOutAction } from "@/app/(auth)/actions";
import { MobileNav } from "@/components/mobile-nav";
import { NavLinks } from "@/components/nav-links";
import { ThemeToggle } from "@/components/theme-toggle";

const roleLabel = { partner: "Partner", admin: "Administrator", support: "Support (read-only)" } as const;

/** What waits for this user beside the sections: an admin's pending registrations (one indexed COUNT per page). */
async function navCounts(actor: Actor): Promise<NavCounts | undefined> {
  if (actor.role !== "admin") return undefined;
  return { "/admin/registrations": await countPendingRegistrations(actor) };
}

export async function AppShell({ actor, children }: { actor: Actor; children: React.ReactNode }) {
  const counts = await navCounts(actor);
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3">
          <div className="flex items-center gap-3">
            <MobileNav items={navigation[actor.role]} signedInAs={`${actor.name} · ${roleLabel[actor.role]}`} counts={counts} />
            <Link href="/" className="font-semibold text-brand-900">
              EDI Transfer Portal
            </Link>
          </div>
          <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm">
            {/* On phones the menu sheet says who is signed in, keeping the header to two short rows. */}
            <span className="hidden text-slate-600 sm:inline">
              <span className="font-medium text-slate-900">{actor.name}</span> · {roleLabel[actor.role]}
            </span>
            <Link href="/account" className="text-brand-700 underline">
              Account
            </Link>
            <ThemeToggle />
            <form action={signOutAction}>
              <button type="submit" className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-50">
                Sign out
              </button>
            </form>
          </div>
        </div>
        {/* Phones get the same sections from the Menu button (components/mobile-nav.tsx). */}
        <nav aria-label="Main" className="mx-auto hidden max-w-6xl px-4 md:block">
          <NavLinks items={navigation[actor.role]} counts={counts} />
        </nav>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        {children}
      </main>
    </div>
  );
}

export function PageHeader({ title, description, children }: { title: string; description?: string; children?: React.ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-2xl font-semibold">{title}</h1>
        {description ? <p className="mt-1 max-w-3xl text-sm text-slate-600">{description}</p> : null}
      </div>
      {children}
    </div>
  );
}

export function ComingSoon({ what }: { what: string }) {
  return (
    <section className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
      <p className="text-lg font-medium">Coming soon</p>
      <p className="mt-1 text-sm text-slate-600">{what}</p>
    </section>
  );
}
