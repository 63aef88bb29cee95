"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { defaultOptions, Upload } from "tus-js-client";
import { ConfirmDuplicate } from "@/app/(partner)/upload/confirm-duplicate";
import { PayerResponseBadge } from "@/components/payer-response-badge";
import type { PayerResponseStatus } from "@/db/schema";
import { formatBytes } from "@/lib/format";
import { tooLargeMessage } from "@/lib/transfers/intake/size-message";
import { describeHold } from "@/lib/transfers/intake/hold";

interface AccountOption {
  accountId: string;
  label: string;
  example: string | null;
  maxBytes: number;
  /** The payer's name, as the size refusal names it. */
  destinationName: string;
}

/** Where a sent file stands now (GET /api/transfers/status). */
interface LiveStatus {
  id: string;
  status: "uploading" | "received" | "queued" | "sending" | "delivered" | "needs_attention" | "failed";
  responseStatus: PayerResponseStatus | null;
  errorCode: string | null;
  errorMessage: string | null;
  guide: { slug: string; title: string } | null;
}

interface Finding {
  code: string;
  severity: string;
  message: string;
  suggestion?: string;
}

interface Item {
  key: string;
  name: string;
  size: number;
  sent: number;
  startedAt: number;
  status: "uploading" | "done" | "rejected" | "error" | "cancelled";
  /** Queued behind the uploads already running (PARALLEL_UPLOADS). */
  waiting?: boolean;
  outcome?: string;
  transferId?: string;
  message?: string;
  findings?: Finding[];
  upload?: Upload;
  live?: LiveStatus;
}

/** How often the page asks where its sent files stand, while any is still on its way. */
const POLL_MS = 3000;

/** A row needs no more polling: stopped, or delivered with the payer's verdict in (or none collected). */
function isFinal(item: Item): boolean {
  if (item.status !== "done" || !item.transferId) return true;
  const live = item.live;
  if (!live) return false;
  if (live.status === "needs_attention" || live.status === "failed") return true;
  return live.status === "delivered" && live.responseStatus !== "awaiting";
}

function rateAndEta(item: Item, now: number): string {
  const seconds = (now - item.startedAt) / 1000;
  if (seconds <= 0 || item.sent === 0) return "starting…";
  const rate = item.sent / seconds;
  const left = (item.size - item.sent) / rate;
  return `${formatBytes(Math.round(rate))}/s · ${left < 1 ? "<1" : Math.round(left)} s left`;
}

function parseError(error: Error & { originalResponse?: { getBody(): string; getStatus(): number } | null }): { message: string; findings?: Finding[] } {
  const body = error.originalResponse?.getBody();
  if (body) {
    try {
      // The portal's one error body: { error: { code, message }, findings? }.
      const parsed = JSON.parse(body) as { error?: { code?: string; message?: string }; findings?: Finding[] };
      if (parsed.error?.message) return { message: parsed.error.message, findings: parsed.findings };
    } catch {
      // not JSON: fall through to a generic message
    }
  }
  return { message: "The upload failed. Check your connection and try again; it will resume where it stopped." };
}

/**
 * Uploads sent at once from this page; more files wait their turn. Each unfinished upload counts
 * against the organisation's limit on uploads in progress (10 by default), so dropping a large batch
 * must not start them all together and have the rest refused.
 */
const PARALLEL_UPLOADS = 3;

export function Uploader({ accounts }: { accounts: AccountOption[] }) {
  const [accountId, setAccountId] = useState(accounts[0].accountId);
  const [mode, setMode] = useState<"production" | "test">("production");
  const [items, setItems] = useState<Item[]>([]);
  const [dragging, setDragging] = useState(false);
  const [now, setNow] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const queue = useRef<{ waiting: Array<{ key: string; run: () => void }>; running: Set<string> }>({ waiting: [], running: new Set() });
  const account = accounts.find((a) => a.accountId === accountId)!;

  const pump = () => {
    const { waiting, running } = queue.current;
    while (running.size < PARALLEL_UPLOADS && waiting.length) {
      const next = waiting.shift()!;
      running.add(next.key);
      next.run();
    }
  };
  /** An upload ended (sent, refused, failed or cancelled): its place goes to the next one waiting. */
  const settle = (key: string) => {
    queue.current.waiting = queue.current.waiting.filter((job) => job.key !== key);
    queue.current.running.delete(key);
    pump();
  };

  const update = (key: string, patch: Partial<Item>) => {
    setNow(Date.now());
    setItems((current) => current.map((item) => (item.key === key ? { ...item, ...patch } : item)));
  };

  // Follow each sent file to the end: delivered, needs attention or failed, then the payer's verdict.
  const following = items
    .filter((item) => !isFinal(item))
    .map((item) => item.transferId!)
    .slice(0, 50)
    .join(",");
  useEffect(() => {
    if (!following) return;
    let stopped = false;
    const poll = async () => {
      try {
        const response = await fetch(`/api/transfers/status?ids=${following}`, { headers: { accept: "application/json" }, cache: "no-store" });
        if (!response.ok || stopped) return;
        const { transfers } = (await response.json()) as { transfers: LiveStatus[] };
        const byId = new Map(transfers.map((t) => [t.id, t]));
        setItems((current) => current.map((item) => (item.transferId && byId.has(item.transferId) ? { ...item, live: byId.get(item.transferId) } : item)));
      } catch {
        // Offline for a moment: the next poll tries again.
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [following]);

  const start = (files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      const key = `${file.name}-${file.size}-${Date.now()}-${Math.random()}`;
      // Over the payer's limit: refused here, before a single byte is sent.
      if (account.maxBytes > 0 && file.size > account.maxBytes) {
        setItems((current) => [
          { key, name: file.name, size: file.size, sent: 0, startedAt: Date.now(), status: "rejected", message: `Not sent. ${tooLargeMessage(file.size, { name: account.destinationName, maxFileBytes: account.maxBytes })}` },
          ...current,
        ]);
        continue;
      }
      const upload = new Upload(file, {
        endpoint: "/api/uploads",
        chunkSize: 8 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000, 10000],
        // 507: the portal is out of storage space and has removed the upload; retrying at once only
        // repeats the refusal. The partner sees the server's message and tries again later.
        onShouldRetry: (error, attempt, options) => error.originalResponse?.getStatus() !== 507 && (defaultOptions.onShouldRetry?.(error, attempt, options) ?? false),
        removeFingerprintOnSuccess: true,
        metadata: { filename: file.name, accountId, mode },
        onProgress: (sent) => update(key, { sent }),
        onSuccess: ({ lastResponse }) => {
          let answer: { transferId?: string; outcome?: string; findings?: Finding[] } = {};
          try {
            answer = JSON.parse(lastResponse.getBody() || "{}");
          } catch {
            answer = {};
          }
          const outcome = answer.outcome ?? lastResponse.getHeader("X-Transfer-Outcome") ?? "queued";
          update(key, {
            status: outcome === "rejected" ? "rejected" : "done",
            sent: file.size,
            outcome,
            transferId: answer.transferId ?? lastResponse.getHeader("X-Transfer-Id") ?? undefined,
            findings: answer.findings?.filter((f) => f.severity !== "confirm" || outcome === "rejected"),
            message: outcome === "rejected" ? "Not sent: the file did not pass the checks below." : outcome === "awaiting_confirmation" ? describeHold(answer.findings ?? []) : undefined,
          });
          settle(key);
        },
        onError: (error) => {
          // The server's message as it is: a refused file, the organisation's quota, a full portal, an ended session.
          const parsed = parseError(error as Error & { originalResponse?: { getBody(): string; getStatus(): number } | null });
          update(key, { status: parsed.findings ? "rejected" : "error", message: parsed.message, findings: parsed.findings });
          settle(key);
        },
      });
      setItems((current) => [{ key, name: file.name, size: file.size, sent: 0, startedAt: Date.now(), status: "uploading", waiting: true, upload }, ...current]);
      queue.current.waiting.push({
        key,
        run: () => {
          update(key, { waiting: false, startedAt: Date.now() });
          // A reload or a dropped connection continues from what the server already has.
          void upload.findPreviousUploads().then((previous) => {
            // Cancelled while the previous uploads were looked up: it does not start.
            if (!queue.current.running.has(key)) return;
            if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
            upload.start();
          });
        },
      });
    }
    pump();
  };

  return (
    <div className="space-y-6">
      <div className="grid gap-4 rounded-lg border border-slate-200 bg-white p-5 sm:grid-cols-2">
        <div className="space-y-1">
          <label htmlFor="upload-account" className="block text-sm font-medium">
            Send to
          </label>
          <select id="upload-account" value={accountId} onChange={(e) => setAccountId(e.target.value)} className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">
            {accounts.map((a) => (
              <option key={a.accountId} value={a.accountId}>
                {a.label}
              </option>
            ))}
          </select>
          {account.example ? <p className="text-xs text-slate-500">File names like {account.example}</p> : null}
        </div>
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium">Mode</legend>
          <div className="flex gap-4 text-sm">
            <label className="flex items-center gap-2">
              <input type="radio" name="mode" value="production" checked={mode === "production"} onChange={() => setMode("production")} /> Production
            </label>
            <label className="flex items-center gap-2">
              <input type="radio" name="mode" value="test" checked={mode === "test"} onChange={() => setMode("test")} /> Test
            </label>
          </div>
        </fieldset>
      </div>

      <div
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          start(e.dataTransfer.files);
        }}
        className={`rounded-lg border-2 border-dashed p-10 text-center ${dragging ? "border-brand-600 bg-brand-50" : "border-slate-300 bg-white"}`}
      >
        <p className="font-medium">Drag and drop files here</p>
        <p className="mt-1 text-sm text-slate-600">or</p>
        <label htmlFor="upload-files" className="mt-2 inline-block cursor-pointer rounded-md bg-brand-600 px-4 py-2 text-sm font-semibold text-white">
          Choose files
        </label>
        <input
          id="upload-files"
          ref={input}
          type="file"
          multiple
          className="sr-only"
          onChange={(e) => {
            if (e.target.files) start(e.target.files);
            e.target.value = "";
          }}
        />
      </div>

      <ul className="space-y-3" aria-label="Uploads">
        {items.map((item) => {
          const percent = item.size ? Math.round((item.sent / item.size) * 100) : 100;
          return (
            <li key={item.key} className="rounded-lg border border-slate-200 bg-white p-4" aria-label={item.name}>
              <div className="flex flex-wrap items-center justify-between gap-2">
                <span className="font-medium">{item.name}</span>
                <span className="text-sm text-slate-600">{formatBytes(item.size)}</span>
              </div>
              <div role="progressbar" aria-label={`Upload of ${item.name}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} className="mt-2 h-2 rounded bg-slate-100">
                <div className={`h-2 rounded ${item.status === "rejected" || item.status === "error" ? "bg-red-500" : "bg-brand-600"}`} style={{ width: `${percent}%` }} />
              </div>
              <div className="mt-2 flex flex-wrap items-center justify-between gap-2 text-sm" role="status">
                {item.status === "uploading" ? (
                  <>
                    <span>{item.waiting ? "Waiting for the uploads before it…" : `${percent}% · ${rateAndEta(item, now)}`}</span>
                    <button
                      type="button"
                      className="rounded-md border border-slate-300 px-2 py-0.5"
                      onClick={() => {
                        void item.upload?.abort(true);
                        update(item.key, { status: "cancelled", message: "Cancelled." });
                        settle(item.key);
                      }}
                    >
                      Cancel
                    </button>
                  </>
                ) : item.status === "done" ? (
                  <span className={item.live?.status === "needs_attention" || item.live?.status === "failed" ? "text-red-800" : undefined}>
                    <DoneText item={item} />{" "}
                    {item.transferId ? (
                      <Link href={`/transfers/${item.transferId}`} className="text-brand-700 underline">
                        Follow it
                      </Link>
                    ) : null}
                  </span>
                ) : (
                  <span className={item.status === "cancelled" ? "text-slate-600" : "text-red-800"}>{item.message ?? "Not sent: see the details."}</span>
                )}
              </div>
              {item.outcome === "awaiting_confirmation" && item.transferId ? <ConfirmDuplicate transferId={item.transferId} fileName={item.name} /> : null}
              {item.findings?.length ? (
                <ul className="mt-2 list-disc space-y-1 pl-5 text-sm text-red-900">
                  {item.findings.map((finding, i) => (
                    <li key={i}>
                      {finding.message}
                      {finding.suggestion ? <span className="block text-slate-700">Suggested name: <code>{finding.suggestion}</code></span> : null}
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** What became of a sent file, as far as the page knows: from the upload's answer, then the live status. */
function DoneText({ item }: { item: Item }) {
  const live = item.live;
  if (!live || live.status === "uploading" || live.status === "received" || live.status === "queued") {
    return <>{item.outcome === "awaiting_confirmation" ? `Uploaded. ${item.message ?? describeHold([])}` : "Uploaded and queued for delivery."}</>;
  }
  if (live.status === "sending") return <>Uploaded; sending it to the payer now…</>;
  if (live.status === "delivered") {
    return (
      <>
        Delivered to the payer.
        {live.responseStatus ? (
          <>
            {" "}
            Payer&apos;s response: <PayerResponseBadge status={live.responseStatus} />
          </>
        ) : null}
      </>
    );
  }
  return (
    <>
      {live.status === "failed" ? "Failed" : "Needs attention"}
      {live.errorMessage ? `: ${live.errorMessage}` : "."}
      {live.guide ? (
        <>
          {" "}
          <Link href={`/guides/${live.guide.slug}`} className="text-brand-700 underline">
            What to do: {live.guide.title}
          </Link>
        </>
      ) : null}
    </>
  );
}
