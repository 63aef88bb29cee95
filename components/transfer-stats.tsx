import type { Actor } from "@/lib/auth/actor";
import { transferStats } from "@/lib/transfers/history/stats";
import { formatBytes } from "@/lib/format";
import { RejectionReasons } from "@/components/rejection-reasons";

/**
 * Transfers per day by status (stacked bars), success rate, bytes delivered and top failure causes,
 * then what payers rejected and why: the delivery side and the payer's side of the same files.
 */
export async function TransferStats({ actor, days = 14 }: { actor: Actor; days?: number }) {
  const stats = await transferStats(actor, days);
  const max = Math.max(1, ...stats.days.map((d) => d.delivered + d.failed + d.other));
  const rate = stats.finished ? Math.round((stats.delivered / stats.finished) * 100) : null;
  const barWidth = 100 / stats.days.length;
  return (
    <>
      <section aria-label="Transfer statistics" className="mb-6 grid gap-4 lg:grid-cols-[2fr_1fr]">
        <figure className="rounded-lg border border-slate-200 bg-white p-4">
          <figcaption className="mb-2 text-sm font-medium">Transfers per day, last {days} days</figcaption>
          <svg viewBox="0 0 100 40" className="h-32 w-full" role="img" aria-label={`Transfers per day: ${stats.days.map((d) => `${d.day} ${d.delivered} delivered, ${d.failed} failed`).join("; ")}`}>
            {stats.days.map((d, i) => {
              const scale = 38 / max;
              const deliveredH = d.delivered * scale;
              const failedH = d.failed * scale;
              const otherH = d.other * scale;
              const x = i * barWidth + barWidth * 0.15;
              const w = barWidth * 0.7;
              return (
                <g key={d.day}>
                  <rect x={x} y={40 - deliveredH} width={w} height={deliveredH} className="fill-green-600" />
                  <rect x={x} y={40 - deliveredH - failedH} width={w} height={failedH} className="fill-red-500" />
                  <rect x={x} y={40 - deliveredH - failedH - otherH} width={w} height={otherH} className="fill-slate-400" />
                </g>
              );
            })}
          </svg>
          <p className="mt-1 flex gap-4 text-xs text-slate-600">
            <span><span className="inline-block h-2 w-2 bg-green-600" /> delivered</span>
            <span><span className="inline-block h-2 w-2 bg-red-500" /> failed or needs attention</span>
            <span><span className="inline-block h-2 w-2 bg-slate-400" /> in progress</span>
          </p>
        </figure>
        <div className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm">
          <p>
            <span className="block text-xs text-slate-500">Success rate</span>
            <span className="text-2xl font-semibold">{rate === null ? "—" : `${rate}%`}</span>
          </p>
          <p>
            <span className="block text-xs text-slate-500">Delivered</span>
            <span className="font-semibold">{stats.delivered.toLocaleString("en-US")} files · {formatBytes(stats.bytesDelivered)}</span>
          </p>
          <div>
            <span className="block text-xs text-slate-500">Top failure causes</span>
            {stats.topFailures.length ? (
              <ul className="mt-1 space-y-0.5">
                {stats.topFailures.map((f) => (
                  <li key={f.code} className="flex justify-between font-mono text-xs">
                    <span>{f.code}</span>
                    <span>{f.count}</span>
                  </li>
                ))}
              </ul>
            ) : (
              <span className="text-slate-600">None</span>
            )}
          </div>
        </div>
      </section>
      <RejectionReasons actor={actor} />
    </>
  );
}
