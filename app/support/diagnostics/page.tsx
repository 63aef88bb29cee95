import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/app/app-shell";
import { RunDiagnosisForm } from "@/app/diagnoses/run-diagnosis-form";
import { listDiagnoses } from "@/lib/diagnosis/records";
import { listPartnerAccounts } from "@/lib/partner-accounts/service";
import { requirePageRole } from "@/lib/auth/session";
import { TableScroll } from "@/components/table-scroll";

export const metadata: Metadata = { title: "Diagnostics" };

export default async function DiagnosticsPage() {
  const actor = await requirePageRole("support");
  const [runs, accounts] = await Promise.all([listDiagnoses(actor, { limit: 100 }), listPartnerAccounts(actor, {})]);
  return (
    <>
      <PageHeader title="Diagnostics" description="Every connection test partners and staff ran, and a read-only test for any partner account (support never writes on a payer's server). Each run is audited." />
      <div className="grid gap-6 lg:grid-cols-[2fr_1fr]">
        <section aria-label="Diagnosis runs" className="rounded-lg border border-slate-200 bg-white">
          <TableScroll label="Diagnosis runs table">
            <table className="w-full text-left text-sm" aria-label="Diagnosis runs">
              <thead className="bg-slate-50 text-slate-600">
                <tr>
                  <th scope="col" className="whitespace-nowrap px-3 py-2">When (UTC)</th>
                  <th scope="col" className="px-3 py-2">Organisation</th>
                  <th scope="col" className="px-3 py-2">Destination</th>
                  <th scope="col" className="px-3 py-2">Result</th>
                  <th scope="col" className="whitespace-nowrap px-3 py-2">Run by</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((run) => (
                  <tr key={run.id} className="border-t border-slate-100 align-top">
                    <td className="whitespace-nowrap px-3 py-2">
                      <Link href={`/diagnoses/${run.id}`} className="text-brand-700 underline">
                        {run.startedAt.toISOString().replace("T", " ").slice(0, 16)}
                      </Link>
                    </td>
                    <td className="px-3 py-2">{run.organisationName}</td>
                    <td className="px-3 py-2">{run.destinationName}</td>
                    <td className={`break-all px-3 py-2 ${run.ok ? "text-green-800" : "text-red-800"}`}>{run.ok ? "passed" : run.code}</td>
                    <td className="px-3 py-2">{run.runByRole}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          {runs.length === 0 ? <p className="p-4 text-sm text-slate-600">No diagnosis has been run yet.</p> : null}
        </section>
        <section aria-label="Run a diagnosis" className="space-y-4">
          {accounts.map(({ account, organisationName, destination }) => (
            <div key={account.id} className="rounded-lg border border-slate-200 bg-white p-4">
              <p className="mb-2 text-sm font-medium">
                {organisationName} · {destination.name} · <code>{account.username}</code>
              </p>
              <RunDiagnosisForm accountId={account.id} accountLabel={`${organisationName}, ${destination.name}, user ${account.username}`} />
            </div>
          ))}
        </section>
      </div>
    </>
  );
}
