import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { z } from "zod";
import { AppShell, PageHeader } from "@/app/app-shell";
import { EgressIps } from "@/components/egress-ips";
import { ScrollPre } from "@/components/scroll-pre";
import { requirePageActor } from "@/lib/auth/session";
import { guideContextForAccount } from "@/lib/diagnosis/guide-context";
import { guideBySlug, relatedGuides, renderGuide, type RenderedStep } from "@/lib/guides";
import { orNotFound } from "@/lib/not-found";

export const metadata: Metadata = { title: "Guide" };

/** A numbered list of steps; `label` (the section's heading) keeps each command box's name unique on the page. */
function Steps({ steps, label }: { steps: RenderedStep[]; label: string }) {
  return (
    <ol className="list-decimal space-y-2 pl-5 text-sm">
      {steps.map((step, index) => (
        <li key={index}>
          {step.text}
          {step.command ? (
            <ScrollPre label={`${label}, step ${index + 1}: command`} className="mt-1 overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100">
              {step.command}
            </ScrollPre>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

export default async function GuidePage({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageActor();
  if (actor.role === "partner" && actor.organisationStatus !== "approved") redirect("/pending");
  const guide = guideBySlug((await params).slug);
  if (!guide) notFound();
  const { account } = z.object({ account: z.string().uuid().optional().catch(undefined) }).parse(await searchParams);
  const { context, destination } = await orNotFound(guideContextForAccount(actor, account));
  const rendered = renderGuide(guide, context);
  return (
    <AppShell actor={actor}>
      <PageHeader title={rendered.title} description={destination ? `For ${destination.name} (${destination.host}:${destination.port})` : rendered.summary}>
        <Link href="/guides" className="text-sm text-brand-700 underline">
          All guides
        </Link>
      </PageHeader>
      <article className="max-w-3xl space-y-6">
        {rendered.codes.length ? <p className="font-mono text-xs text-slate-500">{rendered.codes.join(", ")}</p> : null}
        <section>
          <h2 className="mb-1 text-lg font-semibold">What it means</h2>
          <p className="text-sm text-slate-800">{rendered.meaning}</p>
        </section>
        {rendered.causes.length ? (
          <section>
            <h2 className="mb-1 text-lg font-semibold">Likely causes, most likely first</h2>
            <ol className="list-decimal space-y-1 pl-5 text-sm">
              {rendered.causes.map((cause, i) => (
                <li key={i}>{cause}</li>
              ))}
            </ol>
          </section>
        ) : null}
        {rendered.userSteps.length ? (
          <section>
            <h2 className="mb-1 text-lg font-semibold">What you can do</h2>
            <Steps steps={rendered.userSteps} label="What you can do" />
          </section>
        ) : null}
        {rendered.partnerItSteps.length ? (
          <section>
            <h2 className="mb-1 text-lg font-semibold">For your IT team</h2>
            <Steps steps={rendered.partnerItSteps} label="For your IT team" />
          </section>
        ) : null}
        {actor.role !== "partner" && rendered.supportNotes.length ? (
          <section>
            <h2 className="mb-1 text-lg font-semibold">Support notes</h2>
            <ul className="list-disc space-y-1 pl-5 text-sm">
              {rendered.supportNotes.map((note, i) => (
                <li key={i}>{note}</li>
              ))}
            </ul>
          </section>
        ) : null}
        <EgressIps />
        {relatedGuides(guide).length ? (
          <section>
            <h2 className="mb-1 text-lg font-semibold">Related</h2>
            <ul className="space-y-1 text-sm">
              {relatedGuides(guide).map((related) => (
                <li key={related.slug}>
                  <Link href={`/guides/${related.slug}${account ? `?account=${account}` : ""}`} className="text-brand-700 underline">
                    {related.title}
                  </Link>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </article>
    </AppShell>
  );
}
