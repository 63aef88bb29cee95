import type { Metadata } from "next";
import Link from "next/link";
import { z } from "zod";
import { PageHeader } from "@/app/app-shell";
import { listAuditActions, listAuditEvents } from "@/lib/audit/log";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Audit log" };

const dateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional()
  .catch(undefined);

const filterSchema = z.object({
  from: dateParam,
  to: dateParam,
  action: z.string().max(100).regex(/^[a-z_.]*$/).optional().catch(undefined),
  q: z.string().trim().max(200).optional().catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("admin");
  const filter = filterSchema.parse(await searchParams);
  const [events, actions] = await Promise.all([
    listAuditEvents(actor, {
      from: filter.from ? new Date(`${filter.from}T00:00:00Z`) : undefined,
      to: filter.to ? new Date(`${filter.to}T23:59:59.999Z`) : undefined,
      action: filter.action || undefined,
      search: filter.q || undefined,
      beforeId: filter.before,
      limit: 50,
    }),
    listAuditActions(actor),
  ]);
  const next = events.length === 50 ? events[events.length - 1].id : undefined;
  const query = new URLSearchParams(Object.entries({ ...filter, before: undefined }).filter(([, v]) => v) as [string, string][]);
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
        <button className="rounded-md border border-slate-300 bg-white px-3 py-1">Filter</button>
      </form>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="px-3 py-2">Time (UTC)</th>
              <th>Actor</th>
              <th>Role</th>
              <th>Action</th>
              <th>Target</th>
              <th>Result</th>
              <th>IP</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id} className="border-t border-slate-200 align-top">
                <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{e.at.toISOString().replace("T", " ").slice(0, 19)}</td>
                <td>{e.actorEmail ?? "—"}</td>
                <td>{e.actorRole ?? "—"}</td>
                <td className="font-mono text-xs">{e.action}</td>
                <td>{e.target ?? "—"}</td>
                <td>{e.result}</td>
                <td className="font-mono text-xs">{e.ip ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {events.length === 0 ? <p className="p-4 text-sm text-slate-600">No entries match these filters.</p> : null}
      </div>
      {next ? (
        <Link className="mt-4 inline-block text-sm text-brand-700 underline" href={`/admin/audit?${query.toString() ? `${query}&` : ""}before=${next}`}>
          Older entries
        </Link>
      ) : null}
    </>
  );
}
