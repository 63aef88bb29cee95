import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/app/app-shell";
import { TransferStats } from "@/components/transfer-stats";
import { z } from "zod";
import { FormMessage } from "@/components/form";
import { getOrganisation, listApprovedAwaitingAccounts, listRegistrations, listRegistrationsForReview } from "@/lib/organisations/service";
import { requirePageRole } from "@/lib/auth/session";
import { DecisionForms } from "@/app/admin/registrations/decision-forms";
import { DuplicateWarnings } from "@/app/admin/registrations/duplicate-warnings";
import { TableScroll } from "@/components/table-scroll";

export const metadata: Metadata = { title: "Registrations" };

export default async function RegistrationsPage({ searchParams }: { searchParams: Promise<{ rejected?: string | string[] }> }) {
  const actor = await requirePageRole("admin");
  const justRejected = z.string().uuid().safeParse((await searchParams).rejected);
  const [pending, recent, awaitingAccounts, rejected] = await Promise.all([
    listRegistrationsForReview(actor),
    listRegistrations(actor, "rejected"),
    listApprovedAwaitingAccounts(actor),
    justRejected.success ? getOrganisation(actor, justRejected.data).catch(() => undefined) : undefined,
  ]);
  return (
    <>
      <PageHeader title="Registrations" description="New trading partners wait here until you check them against the payer's enrollment records." />
      {rejected?.status === "rejected" ? (
        <section aria-label="Your decision" className="mb-6">
          <FormMessage state={{ status: "ok", message: `Registration of ${rejected.name} rejected. The partner gets an email with your reason and sees it when they sign in.` }} />
        </section>
      ) : null}
      <TransferStats actor={actor} />
      {pending.length === 0 ? (
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600">No registrations are waiting.</p>
      ) : (
        <ul className="space-y-4" aria-label="Pending registrations">
          {pending.map((organisation) => (
            <li key={organisation.id} className="rounded-lg border border-slate-200 bg-white p-5" aria-label={organisation.name}>
              <div className="flex flex-wrap justify-between gap-4">
                {/* min-w-0 and breaks anywhere: a long name or address wraps instead of widening a phone's page. */}
                <div className="min-w-0 [overflow-wrap:anywhere]">
                  <h2 className="text-lg font-semibold">{organisation.name}</h2>
                  <dl className="mt-2 grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm">
                    <dt className="text-slate-500">Submitter ID</dt>
                    <dd>{organisation.submitterId}</dd>
                    <dt className="text-slate-500">Contact</dt>
                    <dd>
                      {organisation.contactName} · {organisation.contactEmail} · {organisation.contactPhone}
                    </dd>
                    <dt className="text-slate-500">Registered</dt>
                    <dd>{organisation.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC</dd>
                  </dl>
                  <DuplicateWarnings registration={organisation} duplicates={organisation.duplicates} />
                </div>
                <DecisionForms organisationId={organisation.id} organisationName={organisation.name} />
              </div>
            </li>
          ))}
        </ul>
      )}
      {awaitingAccounts.length > 0 ? (
        <section aria-labelledby="awaiting-accounts" className="mt-10 space-y-3">
          <h2 id="awaiting-accounts" className="text-lg font-semibold">
            Approved, waiting for partner accounts
          </h2>
          <p className="text-sm text-slate-600">These partners cannot send anything yet: their dashboard says they are waiting for you to create their payer account.</p>
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white" aria-label="Approved, waiting for partner accounts">
            {awaitingAccounts.map((organisation) => (
              <li key={organisation.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-3 text-sm">
                <span>
                  <span className="font-medium">{organisation.name}</span> · submitter ID {organisation.submitterId}
                  {organisation.decidedAt ? ` · approved ${organisation.decidedAt.toISOString().slice(0, 10)}` : ""}
                </span>
                <Link href={`/admin/organisations/${organisation.id}#partner-accounts`} className="text-brand-700 underline">
                  Create partner accounts<span className="sr-only"> for {organisation.name}</span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {recent.length > 0 ? (
        <section className="mt-10">
          <h2 className="mb-3 text-lg font-semibold">Recently rejected</h2>
          <TableScroll label="Recently rejected table">
            <table className="w-full text-left text-sm">
              <thead className="text-slate-500">
                <tr>
                  <th className="py-2">Organisation</th>
                  <th>Submitter ID</th>
                  <th>Reason</th>
                  <th>Decided</th>
                </tr>
              </thead>
              <tbody>
                {recent.map((o) => (
                  <tr key={o.id} className="border-t border-slate-200">
                    <td className="py-2">{o.name}</td>
                    <td>{o.submitterId}</td>
                    <td>{o.decisionReason}</td>
                    <td>{o.decidedAt?.toISOString().slice(0, 10)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </section>
      ) : null}
    </>
  );
}
