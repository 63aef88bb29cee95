import Link from "next/link";
import type { DiagnosisResult } from "@/lib/diagnosis";
import { guideForCode } from "@/lib/guides";
import { CopyButton } from "@/components/copy-button";
import { ScrollPre } from "@/components/scroll-pre";

const stageStyle = {
  passed: { dot: "bg-green-600", text: "text-green-900", label: "passed" },
  warning: { dot: "bg-amber-500", text: "text-amber-900", label: "warning" },
  failed: { dot: "bg-red-600", text: "text-red-900", label: "failed" },
  skipped: { dot: "bg-slate-300", text: "text-slate-500", label: "not reached" },
} as const;

function detailText(value: unknown): string {
  if (Array.isArray(value)) return value.join(", ");
  if (value && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function DiagnosisView({ result, report, accountId }: { result: DiagnosisResult; report: { text: string; json: string }; accountId: string }) {
  const guide = result.code ? guideForCode(result.code) : undefined;
  return (
    <div className="space-y-6">
      <div role={result.ok ? "status" : "alert"} className={`rounded-lg border p-4 ${result.ok ? "border-green-300 bg-green-50" : "border-red-300 bg-red-50"}`}>
        <p className="text-lg font-semibold">{result.headline}</p>
        {result.code ? <p className="mt-1 font-mono text-sm">{result.code}</p> : null}
        {guide ? (
          <Link href={`/guides/${guide.slug}?account=${accountId}`} className="mt-2 inline-block text-sm font-medium text-brand-700 underline">
            Read the guide: {guide.title}
          </Link>
        ) : null}
      </div>

      <ol className="space-y-2" aria-label="Diagnosis stages">
        {result.stages.map((stage) => {
          const style = stageStyle[stage.status];
          return (
            <li key={stage.key} className="rounded-md border border-slate-200 bg-white p-3" aria-label={`${stage.label}: ${style.label}`}>
              <div className="flex items-center gap-3">
                <span aria-hidden className={`h-3 w-3 shrink-0 rounded-full ${style.dot}`} />
                <span className={`font-medium ${style.text}`}>{stage.label}</span>
                <span className="text-xs text-slate-500">{stage.status === "skipped" ? "not reached" : `${stage.durationMs} ms`}</span>
                {stage.code ? <span className="rounded bg-red-100 px-1.5 font-mono text-xs text-red-900">{stage.code}</span> : null}
              </div>
              <p className="mt-1 text-sm text-slate-700">{stage.summary}</p>
              {stage.details && Object.keys(stage.details).length ? (
                <details className="mt-1">
                  <summary className="cursor-pointer text-xs text-slate-500">Technical details</summary>
                  <dl className="mt-1 grid grid-cols-[auto_minmax(0,1fr)] [overflow-wrap:anywhere] gap-x-3 text-xs">
                    {Object.entries(stage.details).map(([key, value]) => (
                      <div key={key} className="contents">
                        <dt className="text-slate-500">{key}</dt>
                        <dd className="break-all font-mono">{detailText(value)}</dd>
                      </div>
                    ))}
                  </dl>
                </details>
              ) : null}
            </li>
          );
        })}
      </ol>

      <section aria-label="Report for a support ticket" className="rounded-lg border border-slate-200 bg-white p-4">
        <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
          <h2 className="font-semibold">Report for a support ticket</h2>
          <div className="flex gap-2">
            <CopyButton text={report.text} label="Copy report" />
            <CopyButton text={report.json} label="Copy JSON" />
          </div>
        </div>
        <ScrollPre label="Report text" className="max-h-96 overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-100">
          {report.text}
        </ScrollPre>
      </section>
    </div>
  );
}
