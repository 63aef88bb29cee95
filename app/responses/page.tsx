import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/app/app-shell";
import { parseResponseFilter, responsesHref } from "@/app/responses/filter-params";
import { RESPONSE_KIND_LABELS } from "@/app/responses/labels";
import { PayerResponseBadge } from "@/components/payer-response-badge";
import { ResponseDownloadLink } from "@/components/payer-response-timeline";
import { requirePageRole } from "@/lib/auth/session";
import { formatBytes } from "@/lib/format";
import { searchOrganisations } from "@/lib/organisations/service";
import { PAYER_RESPONSE_LABELS } from "@/lib/responses/status";
import { listResponseFilesFor, responseKinds, responseVerdicts, type ResponseFileListRow } from "@/lib/responses/service";
import { TableScroll } from "@/components/table-scroll";

export const metadata: Metadata = { title: "Payer files" };

const selectClass = "rounded-md border border-slate-300 px-2 py-1";

function Verdict({ row }: { row: ResponseFileListRow }) {
  if (row.kind === "unreadable") return <span className="text-red-900">unreadable: {row.unreadableReason ?? "no reason recorded"}</span>;
  if (!row.verdict) return <span className="text-slate-500">not an acknowledgement</span>;
  return <PayerResponseBadge status={row.verdict} />;
}

export default async function ResponsesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("partner", "admin", "support");
  const staff = actor.role !== "partner";
  const { filter, problems } = parseResponseFilter(await searchParams);
  const [{ rows, nextCursor }, organisations] = await Promise.all([listResponseFilesFor(actor, filter), staff ? searchOrganisations(actor) : Promise.resolve([])]);
  const organisationName = new Map(organisations.map((organisation) => [organisation.id, organisation.name]));
  return (
    <>
      <PageHeader
        title="Payer files"
        description={
          staff
            ? "Every file the portal picked up from payers' servers, across organisations: acknowledgements linked to the transfers they answer, and anything else the payer left."
            : "Every file the portal picked up from your payers' servers: acknowledgements (TA1, 999, 277CA) linked to the transfers they answer, and anything else the payer left, such as remittances."
        }
      />
      {problems.length ? (
        <p role="alert" className="mb-3 text-sm text-red-800">
          Some filters were ignored: {problems.join("; ")}
        </p>
      ) : null}
      <form action="/responses" aria-label="Filter payer files" className="mb-4 flex flex-wrap items-end gap-3 text-sm">
        <div>
          <label htmlFor="r-kind" className="block text-xs text-slate-600">Kind</label>
          <select id="r-kind" name="kind" defaultValue={filter.kind ?? ""} className={selectClass}>
            <option value="">Any kind</option>
            {responseKinds.map((kind) => (
              <option key={kind} value={kind}>{RESPONSE_KIND_LABELS[kind]}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="r-verdict" className="block text-xs text-slate-600">Verdict</label>
          <select id="r-verdict" name="verdict" defaultValue={filter.verdict ?? ""} className={selectClass}>
            <option value="">Any verdict</option>
            {responseVerdicts.map((verdict) => (
              <option key={verdict} value={verdict}>{PAYER_RESPONSE_LABELS[verdict]}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="r-linked" className="block text-xs text-slate-600">Linked to transfers</label>
          <select id="r-linked" name="linked" defaultValue={filter.linked ?? ""} className={selectClass}>
            <option value="">Linked or not</option>
            <option value="yes">Linked</option>
            <option value="no">Not linked</option>
          </select>
        </div>
        {staff ? (
          <div>
            <label htmlFor="r-org" className="block text-xs text-slate-600">Organisation</label>
            <select id="r-org" name="organisationId" defaultValue={filter.organisationId ?? ""} className={selectClass}>
              <option value="">All organisations</option>
              {organisations.map((organisation) => (
                <option key={organisation.id} value={organisation.id}>{organisation.name}</option>
              ))}
            </select>
          </div>
        ) : null}
        <button className="rounded-md border border-slate-300 bg-white px-3 py-1">Apply</button>
      </form>
      <TableScroll label="Payer files table" className="rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Payer files, newest first</caption>
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="px-3 py-2">File</th>
              {staff ? <th>Organisation</th> : null}
              <th>Kind</th>
              <th>Verdict</th>
              <th>Transfers</th>
              <th>Destination</th>
              <th>Size</th>
              <th>Picked up (UTC)</th>
              <th className="pr-3">Download</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} className="border-t border-slate-100">
                <td className="px-3 py-2">
                  <Link href={`/responses/${row.id}`} className="break-all font-mono text-xs text-brand-700 underline">
                    {row.remoteName}
                  </Link>
                </td>
                {staff ? <td>{organisationName.get(row.organisationId) ?? row.organisationId}</td> : null}
                <td className="whitespace-nowrap">{row.kind === "other" ? "Other X12" : row.kind === "unreadable" ? "Unreadable" : row.kind}</td>
                <td>
                  <Verdict row={row} />
                </td>
                <td className="whitespace-nowrap">{row.linkedTransfers > 0 ? `${row.linkedTransfers} linked` : <span className="text-slate-500">not linked</span>}</td>
                <td>{row.destinationName}</td>
                <td className="whitespace-nowrap">{formatBytes(row.sizeBytes)}</td>
                <td className="whitespace-nowrap">{row.pickedUpAt.toISOString().replace("T", " ").slice(0, 16)}</td>
                <td className="whitespace-nowrap pr-3 text-xs">
                  <ResponseDownloadLink id={row.id} fileName={row.remoteName} available={row.available} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 ? (
          <p className="p-4 text-sm text-slate-600">
            {filter.kind || filter.verdict || filter.linked || filter.organisationId || filter.cursor
              ? "No payer file matches these filters."
              : "No payer file yet. Once a destination's response folder is set up, the portal checks it on a schedule and files appear here."}
          </p>
        ) : null}
      </TableScroll>
      {nextCursor ? (
        <Link href={responsesHref(filter, { cursor: nextCursor })} className="mt-3 inline-block text-sm text-brand-700 underline">
          Older files
        </Link>
      ) : null}
    </>
  );
}
