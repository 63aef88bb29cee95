import Link from "next/link";
import type { Organisation } from "@/db/schema";

const statusStyle = { pending: "bg-amber-100 text-amber-900", approved: "bg-green-100 text-green-900", rejected: "bg-red-100 text-red-900" } as const;

/** The searchable list of organisations; each name opens its page under basePath. */
export function OrganisationTable({ organisations, search, basePath }: { organisations: Array<Organisation & { userCount: number }>; search?: string; basePath: string }) {
  return (
    <>
      <form role="search" className="mb-4 flex gap-2" action={basePath}>
        <label htmlFor="org-search" className="sr-only">
          Search organisations
        </label>
        <input id="org-search" name="q" defaultValue={search} placeholder="Name, submitter ID or contact email" className="w-80 rounded-md border border-slate-300 px-3 py-2 text-sm" />
        <button className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">Search</button>
      </form>
      <table className="w-full rounded-lg bg-white text-left text-sm">
        <thead className="text-slate-500">
          <tr>
            <th className="px-3 py-2">Organisation</th>
            <th>Submitter ID</th>
            <th>Status</th>
            <th>Users</th>
            <th>Registered</th>
          </tr>
        </thead>
        <tbody>
          {organisations.map((o) => (
            <tr key={o.id} className="border-t border-slate-200">
              <td className="px-3 py-2">
                <Link href={`${basePath}/${o.id}`} className="font-medium text-brand-700 underline">
                  {o.name}
                </Link>
              </td>
              <td>{o.submitterId}</td>
              <td>
                <span className={`rounded px-2 py-0.5 text-xs font-medium ${statusStyle[o.status]}`}>{o.status}</span>
              </td>
              <td>{o.userCount}</td>
              <td>{o.createdAt.toISOString().slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {organisations.length === 0 ? <p className="mt-3 text-sm text-slate-600">No organisation matches.</p> : null}
    </>
  );
}
