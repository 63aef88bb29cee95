import type { Metadata } from "next";
import Link from "next/link";
import { z } from "zod";
import { PageHeader } from "@/app/app-shell";
import { listMail } from "@/lib/mail/records";
import { requirePageRole } from "@/lib/auth/session";
import { TableScroll } from "@/components/table-scroll";

export const metadata: Metadata = { title: "Mail" };

const statusStyle: Record<string, string> = {
  captured: "bg-slate-100 text-slate-900",
  sent: "bg-green-100 text-green-900",
  failed: "bg-red-100 text-red-900",
  queued: "bg-amber-100 text-amber-900",
};

export default async function MailPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("admin");
  const { q } = z.object({ q: z.string().trim().max(200).optional().catch(undefined) }).parse(await searchParams);
  const messages = await listMail(actor, { to: q || undefined, limit: 200 });
  return (
    <>
      <PageHeader
        title="Mail"
        description="Every email the portal sent or tried to send. Without an SMTP server configured (the demo), messages stay here as captured and can be read in full."
      />
      <form role="search" className="mb-4 flex gap-2" action="/admin/mail">
        <label htmlFor="mail-search" className="sr-only">
          Search mail
        </label>
        <input id="mail-search" name="q" defaultValue={q} placeholder="Recipient or subject" className="w-full min-w-0 rounded-md border border-slate-300 px-3 py-2 text-sm sm:w-80" />
        <button className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">Search</button>
      </form>
      <TableScroll label="Messages table" className="rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm" aria-label="Messages">
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="px-3 py-2">Time (UTC)</th>
              <th>To</th>
              <th>Subject</th>
              <th>Kind</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((message) => (
              <tr key={message.id} className="border-t border-slate-100">
                <td className="whitespace-nowrap px-3 py-2">{message.createdAt.toISOString().replace("T", " ").slice(0, 19)}</td>
                <td>{message.toAddress}</td>
                <td>
                  <Link href={`/admin/mail/${message.id}`} className="text-brand-700 underline">
                    {message.subject}
                  </Link>
                </td>
                <td className="font-mono text-xs">{message.kind}</td>
                <td>
                  <span className={`rounded px-2 py-0.5 text-xs font-medium ${statusStyle[message.status] ?? ""}`}>{message.status}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {messages.length === 0 ? <p className="p-4 text-sm text-slate-600">No message yet.</p> : null}
      </TableScroll>
    </>
  );
}
