import Link from "next/link";
import type { AccountStatus } from "@/lib/partner-accounts/status";

const day = (date: Date | null) => (date ? date.toISOString().replace("T", " ").slice(0, 16) : "never");

/** The status of partner accounts at a glance; every link goes to a page the viewer may open. */
export function AccountStatusTable({ accounts, showOrganisation, organisationHref }: { accounts: AccountStatus[]; showOrganisation: boolean; organisationHref?: (id: string) => string }) {
  if (!accounts.length) return <p className="text-sm text-slate-600">No partner account yet.</p>;
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-left text-sm" aria-label="Partner accounts">
        <thead className="bg-slate-50 text-slate-500">
          <tr>
            {showOrganisation ? <th className="px-3 py-2">Organisation</th> : null}
            <th className={showOrganisation ? "" : "px-3 py-2"}>Destination</th>
            <th>User</th>
            <th>Secrets set by</th>
            <th>Credentials</th>
            <th>Key approved</th>
            <th>Last delivery (UTC)</th>
            <th>Last diagnosis</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.accountId} className="border-t border-slate-100 align-top" aria-label={`${a.organisationName} on ${a.destinationName}`}>
              {showOrganisation ? (
                <td className="px-3 py-2">{organisationHref ? <Link href={organisationHref(a.organisationId)} className="text-brand-700 underline">{a.organisationName}</Link> : a.organisationName}</td>
              ) : null}
              <td className={showOrganisation ? "py-2" : "px-3 py-2"}>
                {a.destinationName}
                {a.destinationDisabled || a.accountDisabled ? <span className="ml-1 rounded bg-slate-200 px-1 text-xs">disabled</span> : null}
              </td>
              <td>
                <code>{a.username}</code>
              </td>
              <td>{a.secretsSetBy}</td>
              <td>
                <span className={`rounded px-2 py-0.5 text-xs font-medium ${a.credentialsComplete ? "bg-green-100 text-green-900" : "bg-amber-100 text-amber-900"}`}>
                  {a.credentialsComplete ? "complete" : "missing"}
                </span>
                <span className="ml-1 text-xs text-slate-500">password {a.passwordSetAt ? `set ${a.passwordSetAt.toISOString().slice(0, 10)}` : "not set"}</span>
              </td>
              <td>
                {a.installedKeys ? "yes" : "no"}
                {a.pendingKeys ? <span className="ml-1 text-xs text-slate-500">({a.pendingKeys} waiting)</span> : null}
              </td>
              <td className="whitespace-nowrap">{day(a.lastDeliveredAt)}</td>
              <td>
                {a.lastDiagnosis ? (
                  <Link href={`/diagnoses/${a.lastDiagnosis.id}`} className="text-brand-700 underline">
                    {a.lastDiagnosis.ok ? "passed" : (a.lastDiagnosis.code ?? "failed")} · {day(a.lastDiagnosis.startedAt)}
                  </Link>
                ) : (
                  "never"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
