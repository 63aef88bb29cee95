import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/app/app-shell";
import { EgressIps } from "@/components/egress-ips";
import { RunDiagnosisForm } from "@/app/diagnoses/run-diagnosis-form";
import { listDiagnoses } from "@/lib/diagnosis/records";
import { listPartnerAccounts } from "@/lib/partner-accounts/service";
import { requirePageRole } from "@/lib/auth/session";
import { nextDiagnosisAllowedAt } from "@/lib/diagnosis/service";
import { protocolLabel } from "@/lib/destinations/spec";

export const metadata: Metadata = { title: "Troubleshooting" };

export default async function TroubleshootingPage() {
  const actor = await requirePageRole("partner");
  const [accounts, recent] = await Promise.all([listPartnerAccounts(actor, {}), listDiagnoses(actor, { limit: 10 })]);
  const limits = await Promise.all(accounts.map(({ account }) => nextDiagnosisAllowedAt(account.id)));
  return (
    <>
      <PageHeader title="Troubleshooting" description="Test each payer connection from our relay server, step by step, and get a guide for exactly what failed.">
        <Link href="/guides" className="text-sm font-medium text-brand-700 underline">
          Browse all guides
        </Link>
      </PageHeader>
      <div className="grid gap-6 lg:grid-cols-[2fr_1fr]">
        <div className="space-y-4">
          {accounts.length === 0 ? <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600">No payer account is set up yet.</p> : null}
          {accounts.map(({ account, destination }, index) => (
            <section key={account.id} aria-label={`Test ${destination.name}`} className="rounded-lg border border-slate-200 bg-white p-5">
              <h2 className="text-lg font-semibold">{destination.name}</h2>
              <p className="mb-3 text-sm text-slate-600">
                {protocolLabel[destination.protocol as keyof typeof protocolLabel]} · {destination.host} · user <code>{account.username}</code> ·{" "}
                <Link href={`/troubleshooting/setup/${account.id}`} className="text-brand-700 underline">
                  Set up your own client
                </Link>
              </p>
              <RunDiagnosisForm accountId={account.id} accountLabel={`${destination.name}, user ${account.username}`} nextAllowedAt={limits[index] ? limits[index]!.toISOString().slice(11, 16) : null} />
            </section>
          ))}
          <section aria-label="Recent tests" className="rounded-lg border border-slate-200 bg-white p-5">
            <h2 className="mb-2 text-lg font-semibold">Recent tests</h2>
            {recent.length === 0 ? <p className="text-sm text-slate-600">No test has been run yet.</p> : null}
            <ul className="divide-y divide-slate-100 text-sm">
              {recent.map((d) => (
                <li key={d.id} className="py-2">
                  <Link href={`/diagnoses/${d.id}`} className="text-brand-700 underline">
                    {d.startedAt.toISOString().replace("T", " ").slice(0, 16)} UTC · {d.destinationName}
                  </Link>{" "}
                  <span className={d.ok ? "text-green-800" : "text-red-800"}>{d.ok ? "passed" : d.code}</span>
                </li>
              ))}
            </ul>
          </section>
        </div>
        <EgressIps />
      </div>
    </>
  );
}
