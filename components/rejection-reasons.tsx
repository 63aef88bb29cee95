import type { Actor } from "@/lib/auth/actor";
import { rejectionsByReason } from "@/lib/responses/service";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The start of the period, read at request time (a server component renders once per request). */
function daysAgo(days: number): Date {
  return new Date(Date.now() - days * DAY_MS);
}

/**
 * What payers rejected lately, grouped by what they said: a table whose bars are drawn to scale
 * beside the numbers, so a screen reader reads the same table a sighted person scans.
 * Partners see their organisation's rejections, support and admins everyone's (or one organisation's).
 */
export async function RejectionReasons({ actor, days = 30, organisationId }: { actor: Actor; days?: number; organisationId?: string }) {
  const reasons = await rejectionsByReason(actor, { organisationId, since: daysAgo(days) });
  const max = Math.max(1, ...reasons.map((reason) => reason.count));
  const title = `Rejections by reason (last ${days} days)`;
  return (
    <section aria-labelledby="rejections-by-reason" className="mb-6 rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="rejections-by-reason" className="mb-2 text-sm font-medium">
        {title}
      </h2>
      {reasons.length ? (
        <table className="w-full text-left text-sm" aria-labelledby="rejections-by-reason">
          <thead className="sr-only">
            <tr>
              <th scope="col">Reason</th>
              <th scope="col">Rejections</th>
            </tr>
          </thead>
          <tbody>
            {reasons.map((reason) => (
              <tr key={reason.reason} className="border-t border-slate-100 first:border-t-0">
                <th scope="row" className="w-1/2 break-words py-1.5 pr-3 align-top font-normal">
                  {reason.reason}
                </th>
                <td className="py-1.5 align-top">
                  <span className="flex items-center gap-2">
                    <span aria-hidden="true" className="block h-3 flex-1">
                      <span className="block h-3 rounded-sm bg-red-500" style={{ width: `${Math.max(2, (reason.count / max) * 100)}%` }} />
                    </span>
                    <span className="w-12 text-right tabular-nums">{reason.count.toLocaleString("en-US")}</span>
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="text-sm text-slate-600">No rejections in the last {days} days</p>
      )}
    </section>
  );
}
