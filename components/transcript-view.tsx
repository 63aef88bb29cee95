import type { TransferAttempt } from "@/db/schema";
import { ScrollPre } from "@/components/scroll-pre";
import { attemptRate, describeBytesSent } from "@/lib/transfers/attempt-stats";

export function AttemptView({ attempt }: { attempt: TransferAttempt }) {
  return (
    <section aria-label={`Attempt ${attempt.number}`} className="rounded-lg border border-slate-200 bg-white p-4">
      <h3 className="font-semibold">
        Attempt {attempt.number}{" "}
        {attempt.errorCode ? (
          <span className="ml-2 rounded bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900">{attempt.errorCode}</span>
        ) : attempt.finishedAt ? (
          <span className="ml-2 rounded bg-green-100 px-2 py-0.5 text-xs font-medium text-green-900">delivered</span>
        ) : (
          <span className="ml-2 rounded bg-slate-100 px-2 py-0.5 text-xs">in progress</span>
        )}
      </h3>
      <dl className="mt-2 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
        <dt className="text-slate-500">Started</dt>
        <dd>{attempt.startedAt.toISOString().replace("T", " ").slice(0, 19)} UTC</dd>
        <dt className="text-slate-500">Finished</dt>
        <dd>{attempt.finishedAt ? `${attempt.finishedAt.toISOString().replace("T", " ").slice(0, 19)} UTC` : "—"}</dd>
        <dt className="text-slate-500">Sent</dt>
        <dd>{describeBytesSent(attempt)}</dd>
        <dt className="text-slate-500">Rate</dt>
        <dd>{attemptRate(attempt)}</dd>
      </dl>
      {attempt.errorMessage ? (
        <p className="mt-2 text-sm text-red-800">
          {attempt.errorMessage}
          {attempt.errorDetail ? <span className="block text-xs text-red-700">{attempt.errorDetail}</span> : null}
        </p>
      ) : null}
      <details className="mt-3" open={Boolean(attempt.errorCode)}>
        <summary className="cursor-pointer text-sm font-medium">Transcript ({attempt.transcript.length} lines)</summary>
        <ScrollPre label={`Transcript of attempt ${attempt.number}`} className="mt-2 max-h-96 overflow-auto rounded bg-slate-900 p-3 text-xs leading-relaxed text-slate-100">
          {attempt.transcript.map((line) => `[${line.at.slice(11, 23)}] ${line.direction} ${line.stage.padEnd(9)} ${line.message}`).join("\n")}
        </ScrollPre>
      </details>
    </section>
  );
}
