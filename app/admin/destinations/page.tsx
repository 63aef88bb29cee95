import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/app/app-shell";
import { listDestinations } from "@/lib/destinations/service";
import { requirePageRole } from "@/lib/auth/session";
import { protocolLabel } from "@/lib/destinations/spec";
import { TableScroll } from "@/components/table-scroll";

export const metadata: Metadata = { title: "Destinations" };

export default async function DestinationsPage() {
  const actor = await requirePageRole("admin");
  const destinations = await listDestinations(actor);
  return (
    <>
      <PageHeader title="Destinations" description="Payers' SFTP and FTPS servers. Only administrators define them; partners pick from these.">
        <Link href="/admin/destinations/new" className="rounded-md bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700">
          New destination
        </Link>
      </PageHeader>
      {destinations.length === 0 ? (
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600">No destinations yet. Start from a preset for a payer you know.</p>
      ) : (
        <TableScroll label="Destinations table" className="rounded-lg bg-white">
          <table className="w-full text-left text-sm">
            <thead className="text-slate-500">
              <tr>
                <th className="px-3 py-2">Name</th>
                <th>Protocol</th>
                <th>Server</th>
                <th>Trust</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {destinations.map((d) => {
                const pinned = d.protocol === "sftp" ? d.hostKeyFingerprints.length > 0 : d.tlsMode === "ca" || d.tlsPins.length > 0;
                return (
                  <tr key={d.id} className="border-t border-slate-200">
                    <td className="px-3 py-2">
                      <Link href={`/admin/destinations/${d.id}`} className="font-medium text-brand-700 underline">
                        {d.name}
                      </Link>
                      {d.algorithmProfile === "legacy" && d.protocol === "sftp" ? <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-900">legacy algorithms</span> : null}
                    </td>
                    <td>{protocolLabel[d.protocol]}</td>
                    <td className="font-mono text-xs">
                      {d.host}:{d.port}
                    </td>
                    <td>{pinned ? "Ready" : <span className="text-red-700">Not pinned — review the server&apos;s key</span>}</td>
                    <td>{d.disabledAt ? "Disabled" : "Active"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}
