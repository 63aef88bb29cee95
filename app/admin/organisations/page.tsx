import type { Metadata } from "next";
import Link from "next/link";
import { z } from "zod";
import { PageHeader } from "@/components/app-shell";
import { searchOrganisations } from "@/db/queries/organisations";
import { listStaffUsers } from "@/db/queries/users";
import { requirePageRole } from "@/lib/auth/session";
import { InviteStaffForm } from "./invite-staff-form";
import { UserRow } from "./user-row";

export const metadata: Metadata = { title: "Organisations" };

const statusStyle = { pending: "bg-amber-100 text-amber-900", approved: "bg-green-100 text-green-900", rejected: "bg-red-100 text-red-900" } as const;

export default async function OrganisationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("admin");
  const { q } = z.object({ q: z.string().trim().max(200).optional().catch(undefined) }).parse(await searchParams);
  const [organisations, staff] = await Promise.all([searchOrganisations(actor, q), listStaffUsers(actor)]);
  return (
    <>
      <PageHeader title="Organisations" description="Every trading partner organisation, its users and status." />
      <form role="search" className="mb-4 flex gap-2" action="/admin/organisations">
        <label htmlFor="org-search" className="sr-only">
          Search organisations
        </label>
        <input id="org-search" name="q" defaultValue={q} placeholder="Name, submitter ID or contact email" className="w-80 rounded-md border border-slate-300 px-3 py-2 text-sm" />
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
                <Link href={`/admin/organisations/${o.id}`} className="font-medium text-brand-700 underline">
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

      <section className="mt-12" aria-labelledby="staff-heading">
        <h2 id="staff-heading" className="mb-3 text-lg font-semibold">
          Portal staff
        </h2>
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {staff.map((user) => (
            <UserRow key={user.id} user={user} isSelf={user.id === actor.userId} />
          ))}
        </ul>
        <div className="mt-6 max-w-md">
          <InviteStaffForm />
        </div>
      </section>
    </>
  );
}
