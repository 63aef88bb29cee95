import Link from "next/link";
import type { Actor } from "@/lib/auth/actor";
import { transferStats } from "@/lib/transfers/history/stats";
import { formatBytes } from "@/lib/format";
import { RejectionReasons } from "@/components/rejection-reasons";
import { shortDay } from "@/components/day-label";
import { TransferChart } from "@/components/transfer-chart";

/**
 * Transfers per day by status (a stacked bar chart with dated axis, counts and a tooltip), success
 * rate, bytes delivered and the top failure causes with their guides, then what payers rejected and
 * why: the delivery side and the payer's side of the same files. The figures are read here, on the
 * server; the chart (a client component) gets them as plain props.
 * Partners see their organisation; staff everyone's, or one organisation's (`organisationId`).
 */
export async function TransferStats({ actor, days = 14, organisationId, showRejections = true }: { actor: Actor; days?: number; organisationId?: string; showRejections?: boolean }) {
  const stats = await transferStats(actor, days, { organisationId });
  const rate = stats.finished ? Math.round((stats.delivered / stats.finished) * 100) : null;
  const headingId = organisationId ? `transfer-stats-${organisationId}` : "transfer-stats";
  return (
    <>
      <section aria-labelledby={headingId} className="mb-6 grid gap-4 lg:grid-cols-[2fr_1fr]">
        <h2 id={headingId} className="sr-only">
          Transfer statistics
        </h2>
        <figure className="min-w-0 rounded-lg border border-slate-200 bg-white p-4">
          <figcaption className="mb-2 text-sm font-medium">Transfers per day, last {days} days (UTC)</figcaption>
          {stats.total === 0 ? (
            <div className="flex h-64 flex-col items-center justify-center rounded-md border border-dashed border-slate-300 text-center">
              <p className="font-medium text-slate-700">No transfers yet</p>
              <p className="mt-1 max-w-xs text-sm text-slate-600">Files received in the last {days} days appear here, day by day, as delivered, failed or in progress.</p>
            </div>
          ) : (
            <>
              <TransferChart days={stats.days} />
              {/* A table is not clipped by sr-only itself (its box ignores the 1px width): the wrapper is. */}
              <div className="sr-only">
                <table>
                  <caption>Transfers per day, last {days} days</caption>
                  <thead>
                    <tr>
                      <th scope="col">Day (UTC)</th>
                      <th scope="col">Delivered</th>
                      <th scope="col">Failed or needs attention</th>
                      <th scope="col">In progress</th>
                    </tr>
                  </thead>
                  <tbody>
                    {stats.days
                      .filter((d) => d.delivered + d.failed + d.other > 0)
                      .map((d) => (
                        <tr key={d.day}>
                          <th scope="row">{shortDay(d.day)}</th>
                          <td>{d.delivered}</td>
                          <td>{d.failed}</td>
                          <td>{d.other}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </figure>
        <div className="grid content-start gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm">
          <p>
            <span className="block text-xs text-slate-600">Success rate</span>
            <span className="text-2xl font-semibold">{rate === null ? "—" : `${rate}%`}</span>
            {rate !== null ? <span className="block text-xs text-slate-600">of {stats.finished.toLocaleString("en-US")} finished transfers</span> : null}
          </p>
          <p>
            <span className="block text-xs text-slate-600">Delivered</span>
            <span className="font-semibold">
              {stats.delivered.toLocaleString("en-US")} {stats.delivered === 1 ? "file" : "files"} · {formatBytes(stats.bytesDelivered)}
            </span>
          </p>
          <div>
            <h3 id={`${headingId}-failures`} className="text-xs font-normal text-slate-600">
              Top failure causes
            </h3>
            {stats.topFailures.length ? (
              <ul aria-labelledby={`${headingId}-failures`} className="mt-1 space-y-1.5">
                {stats.topFailures.map((f) => (
                  <li key={f.code}>
                    <span className="flex justify-between gap-2 font-mono text-xs">
                      <span className="break-all">{f.code}</span>
                      <span className="tabular-nums">{f.count}</span>
                    </span>
                    {f.guide ? (
                      <Link href={`/guides/${f.guide.slug}`} className="text-xs text-brand-700 underline">
                        Guide: {f.guide.title}
                      </Link>
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : (
              <span className="text-slate-600">None</span>
            )}
          </div>
        </div>
      </section>
      {showRejections ? <RejectionReasons actor={actor} organisationId={organisationId} /> : null}
    </>
  );
}
