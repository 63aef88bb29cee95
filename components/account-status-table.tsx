import Link from "next/link";
import { CheckResponsesButton, type CheckResponsesAction } from "@/components/check-responses-button";
import { guideForCode } from "@/lib/guides";
import type { ResponsePickupStatus } from "@/lib/partner-accounts/service";
import type { AccountStatus } from "@/lib/partner-accounts/status";
import { isTransferErrorCode } from "@/lib/transfers/errors";
import { Header, SortableHeader, type SortDirection } from "@/components/sortable-header";
import { TableScroll } from "@/components/table-scroll";

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

export type AccountSortKey = "organisation" | "destination" | "user" | "secretsSetBy" | "lastDelivery";

/** How the list is sorted now and the URL for another sort; without it the headers are plain. */
export interface AccountTableSorting {
  sort: AccountSortKey;
  direction: SortDirection;
  href: (sort: AccountSortKey, direction: SortDirection) => string;
}

const cell = "px-3 py-2";

/** "password set 2026-12-02", kept on one line. */
function PasswordState({ setAt, used }: { setAt: Date | null; used: boolean }) {
  if (!used) return <span className="block text-xs text-slate-500">password not used</span>;
  return <span className="block whitespace-nowrap text-xs text-slate-500">password {setAt ? `set ${setAt.toISOString().slice(0, 10)}` : "not set"}</span>;
}

/** The status of partner accounts at a glance; every link goes to a page the viewer may open. */
export function AccountStatusTable({
  accounts,
  showOrganisation,
  organisationHref,
  responses,
  checkResponses,
  sorting,
}: {
  accounts: AccountStatus[];
  showOrganisation: boolean;
  organisationHref?: (id: string) => string;
  /** Each account's response pickup, by account id; the column is shown when given. */
  responses?: Record<string, ResponsePickupStatus>;
  /** The "check for responses now" action, for viewers who may use it. */
  checkResponses?: CheckResponsesAction;
  /** Sortable headers (server-side sort through the page's URL). */
  sorting?: AccountTableSorting;
}) {
  if (!accounts.length) return <p className="text-sm text-slate-600">No partner account yet.</p>;
  const header = (key: AccountSortKey, label: string, first: SortDirection = "asc") =>
    sorting ? (
      <SortableHeader label={label} active={sorting.sort === key} direction={sorting.direction} firstDirection={first} href={(direction) => sorting.href(key, direction)} />
    ) : (
      <Header label={label} />
    );
  return (
    <TableScroll label="Partner accounts table" className="rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-left text-sm" aria-label="Partner accounts">
        <thead className="bg-slate-50 text-slate-600">
          <tr>
            {showOrganisation ? header("organisation", "Organisation") : null}
            {header("destination", "Destination")}
            {header("user", "User")}
            {header("secretsSetBy", "Secrets set by")}
            <Header label="Credentials" />
            <Header label="Key approved" />
            {header("lastDelivery", "Last delivery (UTC)", "desc")}
            <Header label="Last diagnosis" />
            {responses ? <Header label="Payer responses" /> : null}
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.accountId} className="border-t border-slate-100 align-top" aria-label={`${a.organisationName} on ${a.destinationName}`}>
              {showOrganisation ? (
                <td className={cell}>{organisationHref ? <Link href={organisationHref(a.organisationId)} className="text-brand-700 underline">{a.organisationName}</Link> : a.organisationName}</td>
              ) : null}
              <td className={cell}>
                {a.destinationName}
                <span className="block text-xs text-slate-500">{protocolLabel[a.protocol] ?? a.protocol}</span>
                {a.destinationDisabled || a.accountDisabled ? <span className="rounded bg-slate-200 px-1 text-xs">disabled</span> : null}
              </td>
              <td className={`break-all ${cell}`}>
                <code>{a.username}</code>
              </td>
              <td className={cell}>{a.secretsSetBy}</td>
              <td className={cell}>
                <span className={`whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${a.credentialsComplete ? "bg-green-100 text-green-900" : "bg-amber-100 text-amber-900"}`}>
                  {a.credentialsComplete ? "complete" : "missing"}
                </span>
                <PasswordState setAt={a.passwordSetAt} used={a.protocol !== "sftp" || a.auth !== "key"} />
              </td>
              <td className={cell}>
                {a.keyUsed ? (
                  <>
                    {a.installedKeys ? "yes" : "no"}
                    {a.pendingKeys ? <span className="block whitespace-nowrap text-xs text-slate-500">({a.pendingKeys} waiting)</span> : null}
                  </>
                ) : (
                  <span className="text-slate-500" title="This destination signs in with a password only">
                    <span aria-hidden="true">— </span>not used
                  </span>
                )}
              </td>
              <td className={`whitespace-nowrap ${cell}`}>{day(a.lastDeliveredAt)}</td>
              <td className={cell}>
                {a.lastDiagnosis ? (
                  <Link href={`/diagnoses/${a.lastDiagnosis.id}`} className="text-brand-700 underline">
                    {a.lastDiagnosis.ok ? "passed" : (a.lastDiagnosis.code ?? "failed")}
                    <span className="block whitespace-nowrap text-xs">{day(a.lastDiagnosis.startedAt)}</span>
                  </Link>
                ) : (
                  "never"
                )}
              </td>
              {responses ? (
                <td className={`min-w-56 space-y-2 ${cell}`}>
                  <ResponsePickupCell status={responses[a.accountId]} accountId={a.accountId} label={`${a.organisationName} on ${a.destinationName}`} checkResponses={checkResponses} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

const protocolLabel: Record<string, string> = { sftp: "SFTP", ftps_explicit: "FTPS (explicit)", ftps_implicit: "FTPS (implicit)" };

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
