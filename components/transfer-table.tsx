import Link from "next/link";
import type { TransferFilter, TransferListRow } from "@/lib/transfers/history/list";
import { payerResponseStatuses, transferStatuses } from "@/lib/transfers/history/list";
import { PAYER_RESPONSE_LABELS } from "@/lib/responses/status";
import { PayerResponseBadge } from "@/components/payer-response-badge";

export const finalStatuses = new Set(["delivered", "needs_attention", "failed"]);

const statusStyle: Record<string, string> = {
  delivered: "bg-green-100 text-green-900",
  needs_attention: "bg-amber-100 text-amber-900",
  failed: "bg-red-100 text-red-900",
};

function query(filter: Partial<TransferFilter>, patch: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filter, ...patch })) {
    if (value !== undefined && value !== "" && key !== "limit") params.set(key, String(value));
  }
  return params.toString();
}

export function TransferFilters({ basePath, filter, destinations, organisations }: { basePath: string; filter: Partial<TransferFilter>; destinations: Array<{ id: string; name: string }>; organisations?: Array<{ id: string; name: string }> }) {
  return (
    <form action={basePath} className="mb-4 flex flex-wrap items-end gap-3 text-sm" aria-label="Filter transfers">
      <div>
        <label htmlFor="f-from" className="block text-xs text-slate-600">From (UTC)</label>
        <input id="f-from" type="date" name="from" defaultValue={filter.from} className="rounded-md border border-slate-300 px-2 py-1" />
      </div>
      <div>
        <label htmlFor="f-to" className="block text-xs text-slate-600">To (UTC)</label>
        <input id="f-to" type="date" name="to" defaultValue={filter.to} className="rounded-md border border-slate-300 px-2 py-1" />
      </div>
      <div>
        <label htmlFor="f-status" className="block text-xs text-slate-600">Status</label>
        <select id="f-status" name="status" defaultValue={filter.status ?? ""} className="rounded-md border border-slate-300 px-2 py-1">
          <option value="">Any status</option>
          {transferStatuses.map((s) => (
            <option key={s} value={s}>{s.replace("_", " ")}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="f-response" className="block text-xs text-slate-600">Payer response</label>
        <select id="f-response" name="response" defaultValue={filter.response ?? ""} className="rounded-md border border-slate-300 px-2 py-1">
          <option value="">Any</option>
          {payerResponseStatuses.map((s) => (
            <option key={s} value={s}>{PAYER_RESPONSE_LABELS[s]}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="f-destination" className="block text-xs text-slate-600">Destination</label>
        <select id="f-destination" name="destinationId" defaultValue={filter.destinationId ?? ""} className="rounded-md border border-slate-300 px-2 py-1">
          <option value="">All destinations</option>
          {destinations.map((d) => (
            <option key={d.id} value={d.id}>{d.name}</option>
          ))}
        </select>
      </div>
      {organisations ? (
        <div>
          <label htmlFor="f-org" className="block text-xs text-slate-600">Organisation</label>
          <select id="f-org" name="organisationId" defaultValue={filter.organisationId ?? ""} className="rounded-md border border-slate-300 px-2 py-1">
            <option value="">All organisations</option>
            {organisations.map((o) => (
              <option key={o.id} value={o.id}>{o.name}</option>
            ))}
          </select>
        </div>
      ) : null}
      <div>
        <label htmlFor="f-q" className="block text-xs text-slate-600">File name</label>
        <input id="f-q" name="q" defaultValue={filter.q} className="rounded-md border border-slate-300 px-2 py-1" />
      </div>
      {organisations ? (
        <div>
          <label htmlFor="f-sha" className="block text-xs text-slate-600">SHA-256</label>
          <input id="f-sha" name="sha256" defaultValue={filter.sha256} placeholder="all or first 8+ digits" className="w-40 rounded-md border border-slate-300 px-2 py-1 font-mono" />
        </div>
      ) : null}
      <input type="hidden" name="sort" value={filter.sort ?? "newest"} />
      <button className="rounded-md border border-slate-300 bg-white px-3 py-1">Apply</button>
      <a href={`/api/transfers/export?${query(filter, { cursor: undefined })}`} className="rounded-md border border-slate-300 bg-white px-3 py-1">
        Export CSV
      </a>
    </form>
  );
}

export function TransferTable({ basePath, rows, filter, nextCursor, showOrganisation }: { basePath: string; rows: TransferListRow[]; filter: Partial<TransferFilter>; nextCursor?: string; showOrganisation?: boolean }) {
  const sortLink = (sort: TransferFilter["sort"], label: string) => (
    <Link href={`${basePath}?${query(filter, { sort, cursor: undefined })}`} aria-current={filter.sort === sort ? "true" : undefined} className={filter.sort === sort ? "font-semibold text-slate-900" : "text-brand-700 underline"}>
      {label}
    </Link>
  );
  return (
    <>
      <p className="mb-2 flex gap-3 text-xs text-slate-600">
        Sort: {sortLink("newest", "newest")} {sortLink("oldest", "oldest")} {sortLink("name", "name")} {sortLink("size", "largest")}
      </p>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="px-3 py-2">File</th>
              {showOrganisation ? <th>Organisation</th> : null}
              <th>Destination</th>
              <th>Status</th>
              <th>Payer response</th>
              <th>Size</th>
              <th>Received (UTC)</th>
              <th>Attempts</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} className="border-t border-slate-100">
                <td className="px-3 py-2">
                  <Link href={`/transfers/${row.id}`} className="text-brand-700 underline">
                    {row.originalName}
                  </Link>
                  {row.mode === "test" ? <span className="ml-2 rounded bg-slate-100 px-1 text-xs">test</span> : null}
                </td>
                {showOrganisation ? <td>{row.organisationName}</td> : null}
                <td>{row.destinationName}</td>
                <td>
                  <span className={`rounded px-2 py-0.5 text-xs font-medium ${statusStyle[row.status] ?? "bg-slate-100 text-slate-800"}`}>
                    {row.awaitingConfirmation ? "awaiting your confirmation" : row.status.replace("_", " ")}
                  </span>
                  {row.lastErrorCode && row.status !== "delivered" ? <span className="ml-1 font-mono text-xs text-slate-500">{row.lastErrorCode}</span> : null}
                  {row.requeueReason ? <p className="text-xs text-slate-600">Re-queued: {row.requeueReason}</p> : null}
                </td>
                <td>
                  {row.responseStatus === null && row.status !== "delivered" ? <span className="text-slate-400">—</span> : <PayerResponseBadge status={row.responseStatus} />}
                </td>
                <td>{row.sizeBytes.toLocaleString("en-US")} B</td>
                <td className="whitespace-nowrap">{row.createdAt.toISOString().replace("T", " ").slice(0, 16)}</td>
                <td>{row.attemptCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 ? <p className="p-4 text-sm text-slate-600">No transfer matches these filters.</p> : null}
      </div>
      {nextCursor ? (
        <Link href={`${basePath}?${query(filter, { cursor: nextCursor })}`} className="mt-3 inline-block text-sm text-brand-700 underline">
          Next page
        </Link>
      ) : null}
    </>
  );
}
