import Link from "next/link";
import { z } from "zod";
import type { Organisation } from "@/db/schema";
import { Pagination } from "@/components/pagination";
import { SortableHeader, type SortDirection } from "@/components/sortable-header";
import { TableScroll } from "@/components/table-scroll";

const statusStyle = { pending: "bg-amber-100 text-amber-900", approved: "bg-green-100 text-green-900", rejected: "bg-red-100 text-red-900" } as const;

export const ORGANISATIONS_PAGE_SIZE = 50;

/** The list's query string: search, sort column and direction, page; anything else or invalid is dropped. */
export const organisationListParams = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  sort: z.enum(["name", "submitterId", "status", "users", "registered"]).optional().catch(undefined),
  dir: z.enum(["asc", "desc"]).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).optional().catch(undefined),
});
export type OrganisationListParams = z.infer<typeof organisationListParams>;

const columns = [
  { key: "name", label: "Organisation", first: "asc" },
  { key: "submitterId", label: "Submitter ID", first: "asc" },
  { key: "status", label: "Status", first: "asc" },
  { key: "users", label: "Users", first: "desc" },
  { key: "registered", label: "Registered", first: "desc" },
] as const;

/** The sort the list uses for these parameters (by name, A to Z, unless asked otherwise). */
export function organisationSortOf(params: OrganisationListParams): { sort: (typeof columns)[number]["key"]; direction: SortDirection } {
  const sort = params.sort ?? "name";
  return { sort, direction: params.dir ?? columns.find((c) => c.key === sort)!.first };
}

function href(basePath: string, params: OrganisationListParams, patch: Partial<Record<keyof OrganisationListParams, string | number | undefined>>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...params, ...patch })) {
    if (value !== undefined && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${basePath}?${text}` : basePath;
}

/** The searchable, sortable, paged list of organisations; each name opens its page under basePath. */
export function OrganisationTable({
  organisations,
  params,
  total,
  basePath,
}: {
  organisations: Array<Organisation & { userCount: number }>;
  params: OrganisationListParams;
  total: number;
  basePath: string;
}) {
  const { sort, direction } = organisationSortOf(params);
  const page = params.page ?? 1;
  const first = (page - 1) * ORGANISATIONS_PAGE_SIZE + 1;
  const cell = "px-3 py-2";
  return (
    <>
      <form role="search" className="mb-4 flex gap-2" action={basePath}>
        <label htmlFor="org-search" className="sr-only">
          Search organisations
        </label>
        <input id="org-search" name="q" defaultValue={params.q} placeholder="Name, submitter ID or contact email" className="w-full min-w-0 sm:w-80 rounded-md border border-slate-300 px-3 py-2 text-sm" />
        {params.sort ? <input type="hidden" name="sort" value={params.sort} /> : null}
        {params.dir ? <input type="hidden" name="dir" value={params.dir} /> : null}
        <button className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">Search</button>
      </form>
      <TableScroll label="Organisations table" className="rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm" aria-label="Organisations">
          <thead className="bg-slate-50 text-slate-600">
            <tr>
              {columns.map((column) => (
                <SortableHeader
                  key={column.key}
                  label={column.label}
                  active={sort === column.key}
                  direction={direction}
                  firstDirection={column.first}
                  href={(dir) => href(basePath, params, { sort: column.key, dir, page: undefined })}
                />
              ))}
            </tr>
          </thead>
          <tbody>
            {organisations.map((o) => (
              <tr key={o.id} className="border-t border-slate-200" aria-label={o.name}>
                <td className={cell}>
                  <Link href={`${basePath}/${o.id}`} className="font-medium text-brand-700 underline">
                    {o.name}
                  </Link>
                </td>
                <td className={`font-mono text-xs ${cell}`}>{o.submitterId}</td>
                <td className={cell}>
                  <span className={`rounded px-2 py-0.5 text-xs font-medium ${statusStyle[o.status]}`}>{o.status}</span>
                </td>
                <td className={`tabular-nums ${cell}`}>{o.userCount}</td>
                <td className={`whitespace-nowrap ${cell}`}>{o.createdAt.toISOString().slice(0, 10)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {organisations.length === 0 ? <p className="p-4 text-sm text-slate-600">No organisation matches.</p> : null}
      </TableScroll>
      <Pagination
        label="Organisation pages"
        first={first}
        count={organisations.length}
        total={total}
        noun={total === 1 ? "organisation" : "organisations"}
        previousHref={page > 1 ? href(basePath, params, { page: page - 1 > 1 ? page - 1 : undefined }) : undefined}
        nextHref={first + organisations.length - 1 < total ? href(basePath, params, { page: page + 1 }) : undefined}
      />
    </>
  );
}
