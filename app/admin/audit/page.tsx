import type { Metadata } from "next";
import { z } from "zod";
import { PageHeader } from "@/app/app-shell";
import { countAuditEvents, listAuditActions, listAuditEvents } from "@/lib/audit/log";
import { Pagination } from "@/components/pagination";
import { SortableHeader } from "@/components/sortable-header";
import { requirePageRole } from "@/lib/auth/session";
import { TableScroll } from "@/components/table-scroll";

export const metadata: Metadata = { title: "Audit log" };

const resultStyle: Record<string, string> = { success: "bg-green-100 text-green-900", failure: "bg-red-100 text-red-900", denied: "bg-amber-100 text-amber-900" };

const dateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional()
  .catch(undefined);

const PAGE_SIZE = 50;

const filterSchema = z.object({
  from: dateParam,
  to: dateParam,
  action: z.string().max(100).regex(/^[a-z_.]*$/).optional().catch(undefined),
  q: z.string().trim().max(200).optional().catch(undefined),
  sort: z.enum(["at", "actor", "role", "action", "target", "result"]).optional().catch(undefined),
  dir: z.enum(["asc", "desc"]).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).optional().catch(undefined),
});
type AuditFilterParams = z.infer<typeof filterSchema>;

/** The page's URL with these parameters changed (empty values dropped). */
function auditHref(filter: AuditFilterParams, patch: Partial<Record<keyof AuditFilterParams, string | number | undefined>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filter, ...patch })) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const query = params.toString();
  return query ? `/admin/audit?${query}` : "/admin/audit";
}

const columns = [
  { key: "at", label: "Time (UTC)", first: "desc" },
  { key: "actor", label: "Actor", first: "asc" },
  { key: "role", label: "Role", first: "asc" },
  { key: "action", label: "Action", first: "asc" },
  { key: "target", label: "Target", first: "asc" },
  { key: "result", label: "Result", first: "asc" },
] as const;

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("admin");
  const filter = filterSchema.parse(await searchParams);
  const sort = filter.sort ?? "at";
  const direction = filter.dir ?? (sort === "at" ? "desc" : "asc");
  const page = filter.page ?? 1;
  const query = {
    from: filter.from ? new Date(`${filter.from}T00:00:00Z`) : undefined,
    to: filter.to ? new Date(`${filter.to}T23:59:59.999Z`) : undefined,
    action: filter.action || undefined,
    search: filter.q || undefined,
  };
  const [events, total, actions] = await Promise.all([
    listAuditEvents(actor, { ...query, sort, direction, offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
    countAuditEvents(actor, query),
    listAuditActions(actor),
  ]);
  const first = (page - 1) * PAGE_SIZE + 1;
  const cell = "px-3 py-2";
  return (
    <>
      <PageHeader title="Audit log" description="Every sign-in, registration decision, role change and secret change. Entries can never be edited or deleted." />
      <form className="mb-4 flex flex-wrap items-end gap-3 text-sm" action="/admin/audit" aria-label="Filter audit log">
        <div>
          <label htmlFor="from" className="block text-xs text-slate-600">From (UTC)</label>
          <input id="from" name="from" type="date" defaultValue={filter.from} className="rounded-md border border-slate-300 px-2 py-1" />
        </div>
        <div>
          <label htmlFor="to" className="block text-xs text-slate-600">To (UTC)</label>
          <input id="to" name="to" type="date" defaultValue={filter.to} className="rounded-md border border-slate-300 px-2 py-1" />
        </div>
        <div>
          <label htmlFor="action" className="block text-xs text-slate-600">Action</label>
          <select id="action" name="action" defaultValue={filter.action ?? ""} className="rounded-md border border-slate-300 px-2 py-1">
            <option value="">All actions</option>
            {actions.map((a) => (
              <option key={a} value={a}>{a}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="q" className="block text-xs text-slate-600">Actor or target</label>
          <input id="q" name="q" defaultValue={filter.q} className="rounded-md border border-slate-300 px-2 py-1" />
        </div>
        {filter.sort ? <input type="hidden" name="sort" value={filter.sort} /> : null}
        {filter.dir ? <input type="hidden" name="dir" value={filter.dir} /> : null}
        <button className="rounded-md border border-slate-300 bg-white px-3 py-1">Filter</button>
      </form>
      <TableScroll label="Audit log table" className="rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm" aria-label="Audit log">
          <thead className="bg-slate-50 text-slate-600">
            <tr>
              {columns.map((column) => (
                <SortableHeader
                  key={column.key}
                  label={column.label}
                  active={sort === column.key}
                  direction={direction}
                  firstDirection={column.first}
                  href={(dir) => auditHref(filter, { sort: column.key, dir, page: undefined })}
                />
              ))}
              <th scope="col" className={`whitespace-nowrap ${cell}`}>
                IP address
              </th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id} className="border-t border-slate-200 align-top">
                <td className={`whitespace-nowrap font-mono text-xs ${cell}`}>{e.at.toISOString().replace("T", " ").slice(0, 19)}</td>
                <td className={`break-all ${cell}`}>{e.actorEmail ?? "—"}</td>
                <td className={cell}>{e.actorRole ?? "—"}</td>
                <td className={`font-mono text-xs ${cell}`}>{e.action}</td>
                <td className={`break-all ${cell}`}>{e.target ?? "—"}</td>
                <td className={cell}>
                  <span className={`rounded px-2 py-0.5 text-xs font-medium ${resultStyle[e.result] ?? "bg-slate-100 text-slate-800"}`}>{e.result}</span>
                </td>
                <td className={`whitespace-nowrap font-mono text-xs ${cell}`}>{e.ip ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {events.length === 0 ? <p className="p-4 text-sm text-slate-600">No entries match these filters.</p> : null}
      </TableScroll>
      <Pagination
        label="Audit log pages"
        first={first}
        count={events.length}
        total={total}
        noun={total === 1 ? "entry" : "entries"}
        previousHref={page > 1 ? auditHref(filter, { page: page - 1 > 1 ? page - 1 : undefined }) : undefined}
        nextHref={first + events.length - 1 < total ? auditHref(filter, { page: page + 1 }) : undefined}
      />
    </>
  );
}
