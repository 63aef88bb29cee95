import Link from "next/link";
import { z } from "zod";
import type { TransferFilter, TransferListRow } from "@/lib/transfers/history/list";
import { payerResponseStatuses, transferStatuses } from "@/lib/transfers/history/list";
import { PAYER_RESPONSE_LABELS } from "@/lib/responses/status";
import { PayerResponseBadge } from "@/components/payer-response-badge";
import { Pagination } from "@/components/pagination";
import { Header, SortableHeader, type SortDirection } from "@/components/sortable-header";
import { formatBytes } from "@/lib/format";
import { TableScroll } from "@/components/table-scroll";

export const finalStatuses = new Set(["delivered", "needs_attention", "failed"]);

const statusStyle: Record<string, string> = {
  delivered: "bg-green-100 text-green-900",
  needs_attention: "bg-amber-100 text-amber-900",
  failed: "bg-red-100 text-red-900",
};

function query(filter: Partial<TransferFilter>, patch: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filter, ...patch })) {
    // The default page size stays out of the URL; another one (?limit=) is kept from page to page.
    if (value !== undefined && value !== "" && !(key === "limit" && Number(value) === 50)) params.set(key, String(value));
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

type SortColumn = { label: string; ascending: TransferFilter["sort"]; descending: TransferFilter["sort"]; first: SortDirection };
const fileColumn: SortColumn = { label: "File", ascending: "name", descending: "name_desc", first: "asc" };
const sizeColumn: SortColumn = { label: "Size", ascending: "size_asc", descending: "size", first: "desc" };
const receivedColumn: SortColumn = { label: "Received (UTC)", ascending: "oldest", descending: "newest", first: "desc" };

/**
 * The transfer list: File, Size and Received sort on the server (a link in each header, aria-sort on
 * the current one), and previous/next move through the pages with where this one sits.
 */
export function TransferTable({
  basePath,
  rows,
  filter,
  nextCursor,
  previousCursor,
  page = 1,
  total,
  showOrganisation,
}: {
  basePath: string;
  rows: TransferListRow[];
  filter: Partial<TransferFilter>;
  nextCursor?: string;
  previousCursor?: string;
  /** The page's number (1 for the first), kept in the URL for the "51–100" count. */
  page?: number;
  /** Every matching transfer, for "of 230"; not exact past the count's cap ("of more than 10,000"). */
  total?: { count: number; exact: boolean };
  showOrganisation?: boolean;
}) {
  const sort = filter.sort ?? "newest";
  const header = (column: SortColumn) => {
    const active = sort === column.ascending || sort === column.descending;
    return (
      <SortableHeader
        label={column.label}
        active={active}
        direction={sort === column.ascending ? "asc" : "desc"}
        firstDirection={column.first}
        href={(direction) => `${basePath}?${query(filter, { sort: direction === "asc" ? column.ascending : column.descending, cursor: undefined, page: undefined })}`}
      />
    );
  };
  const cell = "px-3 py-2";
  const pageSize = filter.limit ?? 50;
  return (
    <>
      <TableScroll label="Transfers table" className="rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm" aria-label="Transfers">
          <thead className="bg-slate-50 text-slate-600">
            <tr>
              {header(fileColumn)}
              {showOrganisation ? <Header label="Organisation" /> : null}
              <Header label="Destination" />
              <Header label="Status" />
              <Header label="Payer response" />
              {header(sizeColumn)}
              {header(receivedColumn)}
              <Header label="Attempts" />
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} className="border-t border-slate-100 align-top">
                <td className={`break-all ${cell}`}>
                  <Link href={`/transfers/${row.id}`} className="text-brand-700 underline">
                    {row.originalName}
                  </Link>
                  {row.mode === "test" ? <span className="ml-2 rounded bg-slate-100 px-1 text-xs">test</span> : null}
                </td>
                {showOrganisation ? <td className={cell}>{row.organisationName}</td> : null}
                <td className={cell}>{row.destinationName}</td>
                <td className={cell}>
                  <span className={`whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${statusStyle[row.status] ?? "bg-slate-100 text-slate-800"}`}>
                    {row.awaitingConfirmation ? "awaiting your confirmation" : row.status.replace("_", " ")}
                  </span>
                  {row.lastErrorCode && row.status !== "delivered" ? <span className="block font-mono text-xs text-slate-500">{row.lastErrorCode}</span> : null}
                  {row.requeueReason ? <p className="text-xs text-slate-600">Re-queued: {row.requeueReason}</p> : null}
                </td>
                <td className={cell}>
                  {row.responseStatus === null && row.status !== "delivered" ? <span className="text-slate-400">—</span> : <PayerResponseBadge status={row.responseStatus} />}
                </td>
                <td className={`whitespace-nowrap tabular-nums ${cell}`} title={`${row.sizeBytes.toLocaleString("en-US")} bytes`}>
                  {formatBytes(row.sizeBytes)}
                </td>
                <td className={`whitespace-nowrap ${cell}`}>{row.createdAt.toISOString().replace("T", " ").slice(0, 16)}</td>
                <td className={`tabular-nums ${cell}`}>{row.attemptCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 ? <p className="p-4 text-sm text-slate-600">No transfer matches these filters.</p> : null}
      </TableScroll>
      <Pagination
        label="Transfer pages"
        first={(page - 1) * pageSize + 1}
        count={rows.length}
        total={total?.count}
        totalIsLowerBound={total ? !total.exact : undefined}
        noun={total?.count === 1 && total.exact ? "transfer" : "transfers"}
        previousHref={previousCursor ? `${basePath}?${query(filter, { cursor: previousCursor, page: page > 2 ? String(page - 1) : undefined })}` : undefined}
        nextHref={nextCursor ? `${basePath}?${query(filter, { cursor: nextCursor, page: String(page + 1) })}` : undefined}
      />
    </>
  );
}

/** The page number from the URL (display only: the cursor decides which rows show). */
export function pageNumberOf(params: Record<string, string | string[] | undefined>): number {
  return pageParam.parse(params.page);
}
const pageParam = z.coerce.number().int().min(1).max(1_000_000).catch(1);
