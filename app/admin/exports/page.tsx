import type { Metadata } from "next";
import { PageHeader } from "@/app/app-shell";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Exports" };

function RangeForm({ action, label, title, description }: { action: string; label: string; title: string; description: string }) {
  const id = label.toLowerCase().replace(/\W+/g, "-");
  return (
    <form action={action} method="get" aria-label={label} className="space-y-3 rounded-lg border border-slate-200 bg-white p-5">
      <h2 className="text-lg font-semibold">{title}</h2>
      <p className="text-sm text-slate-600">{description}</p>
      <div className="flex flex-wrap items-end gap-3 text-sm">
        <div>
          <label htmlFor={`${id}-from`} className="block text-xs text-slate-600">
            From (UTC)
          </label>
          <input id={`${id}-from`} type="date" name="from" className="rounded-md border border-slate-300 px-2 py-1" />
        </div>
        <div>
          <label htmlFor={`${id}-to`} className="block text-xs text-slate-600">
            To (UTC)
          </label>
          <input id={`${id}-to`} type="date" name="to" className="rounded-md border border-slate-300 px-2 py-1" />
        </div>
        <button className="rounded-md bg-brand-600 px-4 py-2 font-semibold text-white">Download CSV</button>
      </div>
    </form>
  );
}

export default async function ExportsPage() {
  await requirePageRole("admin");
  return (
    <>
      <PageHeader title="Exports" description="Download the audit log or the transfer history of every organisation as CSV for a range of days. Leave a date empty for no limit on that side." />
      <div className="grid gap-6 lg:grid-cols-2">
        <RangeForm action="/api/admin/audit/export" label="Export audit log" title="Audit log" description="Every recorded action with its actor, target, result and IP, newest first." />
        <RangeForm action="/api/transfers/export" label="Export transfer history" title="Transfer history" description="Every transfer with its organisation, destination, status, size, SHA-256 and re-queue reason." />
      </div>
      <p className="mt-4 text-xs text-slate-500">Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.</p>
    </>
  );
}
