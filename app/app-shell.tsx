import Link from "next/link";
import type { Actor } from "@/lib/auth/actor";
import { navigation } from "@/lib/auth/roles";
import { signOutAction } from "@/app/(auth)/actions";
import { NavLinks } from "@/components/nav-links";

const roleLabel = { partner: "Partner", admin: "Administrator", support: "Support (read-only)" } as const;

export function AppShell({ actor, children }: { actor: Actor; children: React.ReactNode }) {
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-4 px-4 py-3">
          <Link href="/" className="font-semibold text-brand-900">
            EDI Transfer Portal
          </Link>
          <div className="flex items-center gap-4 text-sm">
            <span className="text-slate-600">
              <span className="font-medium text-slate-900">{actor.name}</span> · {roleLabel[actor.role]}
            </span>
            <Link href="/account" className="text-brand-700 underline">
              Account
            </Link>
            <form action={signOutAction}>
              <button type="submit" className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-50">
                Sign out
              </button>
            </form>
          </div>
        </div>
        <nav aria-label="Main" className="mx-auto max-w-6xl px-4">
          <NavLinks items={navigation[actor.role]} />
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
