import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { z } from "zod";
import { AppShell, PageHeader } from "@/app/app-shell";
import { requirePageActor } from "@/lib/auth/session";
import { GUIDES, searchGuides } from "@/lib/guides";

export const metadata: Metadata = { title: "Troubleshooting guides" };

export default async function GuidesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageActor();
  if (actor.role === "partner" && actor.organisationStatus !== "approved") redirect("/pending");
  const { q } = z.object({ q: z.string().trim().max(200).optional().catch(undefined) }).parse(await searchParams);
  const results = q ? searchGuides(q, { limit: 20 }).map((r) => r.guide) : null;
  const articles = GUIDES.filter((g) => g.kind === "article");
  const codeGuides = GUIDES.filter((g) => g.kind === "code");
  return (
    <AppShell actor={actor}>
      <PageHeader title="Troubleshooting guides" description="What each failure means and what to do about it, for you and for your IT team." />
      <form role="search" action="/guides" className="mb-6 flex max-w-xl gap-2">
        <label htmlFor="guide-search" className="sr-only">
          Search the guides
        </label>
        <input id="guide-search" name="q" defaultValue={q} placeholder='e.g. "530", "partial success", "passive", "host key changed"' className="flex-1 rounded-md border border-slate-300 px-3 py-2 text-sm" />
        <button className="rounded-md bg-brand-600 px-4 py-2 text-sm font-semibold text-white">Search</button>
      </form>
      {results ? (
        <section aria-label="Search results" className="mb-8">
          <h2 className="mb-2 font-semibold">{results.length ? `Results for “${q}”` : `No guide matches “${q}”.`}</h2>
          <ul className="space-y-2">
            {results.map((guide) => (
              <li key={guide.slug}>
                <Link href={`/guides/${guide.slug}`} className="font-medium text-brand-700 underline">
                  {guide.title}
                </Link>
                <p className="text-sm text-slate-600">{guide.summary}</p>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <div className="grid gap-8 lg:grid-cols-2">
        <section aria-label="Background articles">
          <h2 className="mb-2 font-semibold">Background</h2>
          <ul className="space-y-2">
            {articles.map((guide) => (
              <li key={guide.slug}>
                <Link href={`/guides/${guide.slug}`} className="text-brand-700 underline">
                  {guide.title}
                </Link>
              </li>
            ))}
          </ul>
        </section>
        <section aria-label="Guides by failure">
          <h2 className="mb-2 font-semibold">By failure</h2>
          <ul className="space-y-2">
            {codeGuides.map((guide) => (
              <li key={guide.slug}>
                <Link href={`/guides/${guide.slug}`} className="text-brand-700 underline">
                  {guide.title}
                </Link>{" "}
                <span className="font-mono text-xs text-slate-500">{guide.codes.join(", ")}</span>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </AppShell>
  );
}
