import Link from "next/link";
import type { PayerResponseStatus } from "@/db/schema";
import { PayerResponseBadge } from "@/components/payer-response-badge";
import type { ResponseFinding } from "@/lib/responses/findings";
import type { TimelineEntry } from "@/lib/responses/service";

const utc = (date: Date) => `${date.toISOString().replace("T", " ").slice(0, 16)} UTC`;

/** A large rejection lists thousands of claims; the page shows the first ones and the file holds them all. */
const FINDINGS_SHOWN = 300;

/**
 * What a payer said, one finding per item: the sentence in plain English, the claim it concerns,
 * and the raw segment beside it (under it on a phone) so anyone can check the sentence against the file.
 */
export function ResponseFindings({ findings, label }: { findings: ResponseFinding[]; label: string }) {
  if (findings.length === 0) return null;
  const shown = findings.slice(0, FINDINGS_SHOWN);
  return (
    <>
      <ul aria-label={label} className="mt-2 space-y-2">
        {shown.map((finding, index) => (
          <li key={index} className="grid gap-2 rounded-md border border-slate-200 bg-slate-50 p-2 text-sm md:grid-cols-2">
            <div>
              <p>{finding.sentence}</p>
              {finding.claim && !finding.sentence.includes(finding.claim) ? <p className="mt-1 text-xs text-slate-600">Claim {finding.claim}</p> : null}
            </div>
            <pre title="As the payer wrote it" className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-white p-2 font-mono text-xs text-slate-700">
              <code>{finding.raw}</code>
            </pre>
          </li>
        ))}
      </ul>
      {findings.length > shown.length ? (
        <p className="mt-2 text-xs text-slate-600">
          And {(findings.length - shown.length).toLocaleString("en-US")} more: download the file to see them all.
        </p>
      ) : null}
    </>
  );
}

/** A payer file's bytes as an attachment, while the portal keeps them (retention removes old ones). */
export function ResponseDownloadLink({ id, fileName, available }: { id: string; fileName: string; available: boolean }) {
  if (!available) return <span className="text-slate-500">no longer kept</span>;
  return (
    <a href={`/api/responses/${id}/download`} className="text-brand-700 underline">
      Download<span className="sr-only"> {fileName}</span>
    </a>
  );
}

/** The links of one payer file: download its bytes and open its page. */
export function ResponseFileLinks({ id, fileName, available }: { id: string; fileName: string; available: boolean }) {
  return (
    <span className="inline-flex flex-wrap gap-x-3">
      <ResponseDownloadLink id={id} fileName={fileName} available={available} />
      <Link href={`/responses/${id}`} className="text-brand-700 underline">
        View file<span className="sr-only"> {fileName}</span>
      </Link>
    </span>
  );
}

/** A transfer's story after it was delivered: each payer answer linked to it, oldest first. */
export function PayerResponseTimeline({ deliveredAt, entries }: { deliveredAt: Date | null; entries: TimelineEntry[] }) {
  return (
    <ol aria-label="Payer response timeline" className="space-y-3 border-l-2 border-slate-200 pl-4">
      {deliveredAt ? (
        <li className="text-sm">
          <span className="font-medium">Delivered</span> <span className="text-slate-600">{utc(deliveredAt)}</span>
        </li>
      ) : null}
      {entries.map((entry) => (
        <li key={entry.responseFileId} className="text-sm">
          <p className="flex flex-wrap items-center gap-2">
            <span className="font-medium">{entry.headline}</span>
            <PayerResponseBadge status={entry.verdict as PayerResponseStatus} />
          </p>
          <p className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-600">
            <span className="break-all font-mono">{entry.fileName}</span>
            <span>{utc(entry.pickedUpAt)}</span>
            <ResponseFileLinks id={entry.responseFileId} fileName={entry.fileName} available={entry.available} />
          </p>
          <ResponseFindings findings={entry.findings} label={`What ${entry.fileName} says`} />
        </li>
      ))}
      {entries.length === 0 ? <li className="text-sm text-slate-600">No answer from the payer yet.</li> : null}
    </ol>
  );
}
