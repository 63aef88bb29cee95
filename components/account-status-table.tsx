import Link from "next/link";
import { CheckResponsesButton, type CheckResponsesAction } from "@/components/check-responses-button";
import { guideForCode } from "@/lib/guides";
import type { ResponsePickupStatus } from "@/lib/partner-accounts/service";
import type { AccountStatus } from "@/lib/partner-accounts/status";
import { isTransferErrorCode } from "@/lib/transfers/errors";

const day = (date: Date | null) => (date ? date.toISOString().replace("T", " ").slice(0, 16) : "never");
const At = ({ date }: { date: Date }) => <span className="whitespace-nowrap">{day(date)} UTC</span>;

/**
 * "Responses: last checked …, OK", or what went wrong with the guide for its code (a failed check
 * uses the delivery codes), or "not collected" when the destination has no response folder.
 */
export function ResponsePickupSummary({ status, accountId }: { status: ResponsePickupStatus; accountId: string }) {
  if (status.state === "not_collected") return <span className="text-slate-500">Responses: not collected</span>;
  if (status.state === "not_checked_yet") return <span className="text-slate-600">Responses: not checked yet</span>;
  if (status.state === "ok") {
    return (
      <span>
        Responses: last checked <At date={status.checkedAt} />, OK
      </span>
    );
  }
  const guide = isTransferErrorCode(status.code) ? guideForCode(status.code) : undefined;
  return (
    <span className="text-red-800">
      Responses: last checked <At date={status.checkedAt} />, failed — <code>{status.code}</code>
      {status.message ? `: ${status.message}` : ""}
      {status.lastOkAt ? (
        <span className="text-slate-600">
          {" "}
          (last successful check <At date={status.lastOkAt} />)
        </span>
      ) : null}
      {guide ? (
        <>
          {" "}
          <Link href={`/guides/${guide.slug}?account=${accountId}`} className="text-brand-700 underline">
            Guide: {guide.title}
          </Link>
        </>
      ) : null}
    </span>
  );
}

/** The status of partner accounts at a glance; every link goes to a page the viewer may open. */
export function AccountStatusTable({
  accounts,
  showOrganisation,
  organisationHref,
  responses,
  checkResponses,
}: {
  accounts: AccountStatus[];
  showOrganisation: boolean;
  organisationHref?: (id: string) => string;
  /** Each account's response pickup, by account id; the column is shown when given. */
  responses?: Record<string, ResponsePickupStatus>;
  /** The "check for responses now" action, for viewers who may use it. */
  checkResponses?: CheckResponsesAction;
}) {
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
            {responses ? <th className="pr-3">Payer responses</th> : null}
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
              {responses ? (
                <td className="min-w-56 space-y-2 py-2 pr-3">
                  <ResponsePickupCell status={responses[a.accountId]} accountId={a.accountId} label={`${a.organisationName} on ${a.destinationName}`} checkResponses={checkResponses} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ResponsePickupCell({ status, accountId, label, checkResponses }: { status: ResponsePickupStatus | undefined; accountId: string; label: string; checkResponses?: CheckResponsesAction }) {
  if (!status) return <span className="text-slate-500">—</span>;
  return (
    <>
      <p>
        <ResponsePickupSummary status={status} accountId={accountId} />
      </p>
      {checkResponses && status.state !== "not_collected" ? <CheckResponsesButton action={checkResponses} accountId={accountId} label={label} /> : null}
    </>
  );
}
