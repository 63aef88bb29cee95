import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { z } from "zod";
import { AppShell, PageHeader } from "@/app/app-shell";
import { AttemptView } from "@/components/transcript-view";
import { AutoRefresh } from "@/components/auto-refresh";
import { ConfirmDuplicate } from "@/app/(partner)/upload/confirm-duplicate";
import { RunDiagnosisForm } from "@/app/diagnoses/run-diagnosis-form";
import { guideForCode, guideForStopCode } from "@/lib/guides";
import { isTransferErrorCode, isTransferStopCode, TRANSFER_STOP_CODES } from "@/lib/transfers/errors";
import { payerResponseTimeline } from "@/lib/responses/service";
import { PayerResponseBadge } from "@/components/payer-response-badge";
import { PayerResponseTimeline } from "@/components/payer-response-timeline";
import { getTransferDetail } from "@/lib/transfers/records";
import { listTransferEvents, REQUEUEABLE_STATUSES, stagedCopyExists } from "@/lib/transfers/history/events";
import { describeHold } from "@/lib/transfers/intake/hold";
import { formatBytes } from "@/lib/format";
import { env } from "@/lib/env";
import { listDiagnoses } from "@/lib/diagnosis/records";
import { RequeueForm } from "@/app/transfers/requeue-form";
import { ResendForm } from "@/app/transfers/resend-form";
import { requirePageActor } from "@/lib/auth/session";
import { orNotFound } from "@/lib/not-found";

export const metadata: Metadata = { title: "Transfer" };

const statusStyle: Record<string, string> = {
  delivered: "bg-green-100 text-green-900",
  needs_attention: "bg-amber-100 text-amber-900",
  failed: "bg-red-100 text-red-900",
};

export default async function TransferPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePageActor();
  if (actor.role === "partner" && actor.organisationStatus !== "approved") redirect("/pending");
  const parsed = z.string().uuid().safeParse((await params).id);
  if (!parsed.success) notFound();
  const [detail, events, responses] = await orNotFound(Promise.all([getTransferDetail(actor, parsed.data), listTransferEvents(actor, parsed.data), payerResponseTimeline(actor, parsed.data)]));
  const { transfer } = detail;
  const diagnoses = await listDiagnoses(actor, { partnerAccountId: transfer.partnerAccountId, limit: 10 });
  // Stopped before delivery (a delivered file flagged for the payer's silence is never sent twice).
  const stopped = (REQUEUEABLE_STATUSES as readonly string[]).includes(transfer.status) && !transfer.deliveredAt;
  const copyKept = stopped && stagedCopyExists(transfer);
  // Stopped on the way to the payer, and retention has since removed the staged copy (not a file refused, cancelled or never kept).
  const copyRemoved = stopped && !copyKept && !(transfer.lastErrorCode && isTransferStopCode(transfer.lastErrorCode));
  const mayRequeue = (actor.role === "support" || actor.role === "admin") && copyKept;
  // The partner's own retry, once the cause is fixed (a password, a key): an admin's test file is the admin's.
  const mayResend = actor.role === "partner" && copyKept && transfer.kind !== "admin_test";
  const code = transfer.lastErrorCode;
  const guide = code && isTransferErrorCode(code) ? guideForCode(code) : code && isTransferStopCode(code) ? guideForStopCode(code) : undefined;
  return (
    <AppShell actor={actor}>
      <PageHeader title={transfer.originalName} description={`${detail.organisationName} → ${detail.destinationName} as ${detail.username}`}>
        <span className={`rounded px-3 py-1 text-sm font-medium ${statusStyle[transfer.status] ?? "bg-slate-100 text-slate-900"}`}>{transfer.status.replace("_", " ")}</span>
      </PageHeader>
      <AutoRefresh active={!["delivered", "needs_attention", "failed"].includes(transfer.status)} />
      {/* The payer's answer comes minutes to hours after delivery: look again now and then while it is awaited. */}
      <AutoRefresh active={transfer.status === "delivered" && transfer.responseStatus === "awaiting"} intervalMs={10_000} />
      {transfer.awaitingConfirmation ? (
        <section aria-label="Held for a decision" className="mb-4 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm">
          {actor.role === "partner" ? (
            <>
              <p className="font-medium">{describeHold(transfer.checks)}</p>
              <p className="mt-1 text-slate-700">&ldquo;Send anyway&rdquo; queues it for delivery as it is; &ldquo;Don&apos;t send&rdquo; cancels it and removes the portal&apos;s copy.</p>
              <ConfirmDuplicate transferId={transfer.id} />
            </>
          ) : (
            <p className="font-medium">{describeHold(transfer.checks).replace("Held for your decision", "Held for the partner's decision").replace("until you choose", "until the partner chooses")}</p>
          )}
        </section>
      ) : null}
      {transfer.checks.length ? (
        <ul aria-label="Checks" className="mb-4 list-disc space-y-1 rounded-lg border border-amber-300 bg-amber-50 p-3 pl-8 text-sm">
          {transfer.checks.map((check, i) => (
            <li key={i}>{check.message}</li>
          ))}
        </ul>
      ) : null}
      <dl className="mb-6 grid max-w-3xl grid-cols-[auto_minmax(0,1fr)] [overflow-wrap:anywhere] gap-x-6 gap-y-1 text-sm">
        <dt className="text-slate-500">Remote name</dt>
        <dd className="font-mono text-xs">{transfer.remoteName}</dd>
        <dt className="text-slate-500">Size</dt>
        <dd>
          {formatBytes(transfer.sizeBytes)}
          {transfer.sizeBytes >= 1024 ? <span className="text-slate-500"> ({transfer.sizeBytes.toLocaleString("en-US")} bytes)</span> : null}
        </dd>
        <dt className="text-slate-500">SHA-256</dt>
        <dd className="break-all font-mono text-xs">{transfer.sha256 ?? "—"}</dd>
        <dt className="text-slate-500">Mode</dt>
        <dd>{transfer.mode}</dd>
        <dt className="text-slate-500">Received</dt>
        <dd>
          {transfer.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC{transfer.uploaderIp ? ` from ${transfer.uploaderIp}` : ""}
        </dd>
        <dt className="text-slate-500">Uploaded by</dt>
        <dd>{detail.uploaderName ? `${detail.uploaderName} (${detail.uploaderEmail})` : "—"} · {transfer.kind === "api" ? "HTTPS API" : transfer.kind === "admin_test" ? "admin test file" : "browser upload"}</dd>
        {transfer.lastErrorCode ? (
          <>
            <dt className="text-slate-500">Last error</dt>
            <dd>
              {transfer.lastErrorCode}: {transfer.lastErrorMessage}
            </dd>
          </>
        ) : null}
      </dl>
      {transfer.lastErrorCode && transfer.status !== "delivered" ? (
        <section aria-label="What to do" className="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm">
          {guide ? (
            <p>
              <Link href={`/guides/${guide.slug}?account=${transfer.partnerAccountId}`} className="font-medium text-brand-700 underline">
                Guide: {guide.title}
              </Link>
            </p>
          ) : null}
          <div className="mt-3 max-w-md">
            <RunDiagnosisForm accountId={transfer.partnerAccountId} transferId={transfer.id} label="Run diagnosis now" />
          </div>
        </section>
      ) : null}
      {events.length ? (
        <section aria-label="Actions taken" className="mb-6">
          <h2 className="mb-2 text-lg font-semibold">Actions taken</h2>
          <ul className="space-y-1 text-sm">
            {events.map((event) => (
              <li key={event.id}>
                {event.at.toISOString().replace("T", " ").slice(0, 16)} UTC ·{" "}
                {event.actorRole === "partner"
                  ? `sent again by ${actor.role === "partner" ? "your organisation" : "the partner"}`
                  : `re-queued by ${event.actorRole === "admin" ? "an administrator" : "our support team"}`}
                {event.reason ? `: “${event.reason}”` : ""}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {mayResend ? (
        <section aria-labelledby="send-again" className="mb-6 rounded-lg border border-slate-200 bg-white p-4">
          <h2 id="send-again" className="mb-2 text-lg font-semibold">
            Send it again
          </h2>
          <p className="mb-3 text-sm text-slate-600">
            Fixed the cause (the payer password, your key, the payer&apos;s folder)? Send the file again: the portal&apos;s copy goes back to the delivery queue, no new upload.
          </p>
          <ResendForm transferId={transfer.id} />
        </section>
      ) : null}
      {copyRemoved ? (
        <p role="note" className="mb-6 rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-700">
          This file cannot be sent again: the portal no longer holds it (staged files are removed {env().STAGING_RETENTION_DAYS} days after upload).{" "}
          {actor.role === "partner" ? (
            <Link href="/upload" className="text-brand-700 underline">
              Upload it again
            </Link>
          ) : (
            "The partner can upload it again."
          )}
        </p>
      ) : null}
      {mayRequeue ? (
        <section aria-label="Re-queue" className="mb-6 rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="mb-2 text-lg font-semibold">Send it again</h2>
          <p className="mb-3 text-sm text-slate-600">Once the cause is fixed (credentials, key, remote folder, the payer&apos;s server), put the transfer back on the relay queue.</p>
          <RequeueForm transferId={transfer.id} />
        </section>
      ) : null}
      <section aria-labelledby="payer-response" className="mb-6 rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="payer-response" className="mb-2 text-lg font-semibold">
          Payer response
        </h2>
        {transfer.responseStatus === null ? (
          <p className="text-sm text-slate-500">
            {transfer.status === "delivered"
              ? "The portal does not collect this destination's answers (acknowledgements), so there is nothing to show here."
              : "Where the portal collects the destination's answers (acknowledgements), they show here once the file is delivered."}
          </p>
        ) : (
          <div className="mb-3 flex flex-wrap items-center gap-2 text-sm">
            <PayerResponseBadge status={transfer.responseStatus} large />
            {transfer.responseStatus === "awaiting" && transfer.responseDueAt ? (
              <span className="text-slate-600">due by {transfer.responseDueAt.toISOString().replace("T", " ").slice(0, 16)} UTC</span>
            ) : null}
            {transfer.responseStatus === "no_response" ? <span className="text-rose-900">{TRANSFER_STOP_CODES.NO_RESPONSE.summary}</span> : null}
          </div>
        )}
        {transfer.responseStatus !== null || responses.length ? <PayerResponseTimeline deliveredAt={transfer.deliveredAt} entries={responses} /> : null}
      </section>
      <h2 className="mb-3 text-lg font-semibold">Attempts</h2>
      <div className="space-y-4">
        {detail.attempts.length ? detail.attempts.map((attempt) => <AttemptView key={attempt.id} attempt={attempt} />) : <p className="text-sm text-slate-600">No attempt yet.</p>}
      </div>
      <section aria-label="Diagnosis history" className="mt-8">
        <h2 className="mb-3 text-lg font-semibold">Diagnosis history of this account</h2>
        {diagnoses.length ? (
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
            {diagnoses.map((d) => (
              <li key={d.id} className="px-4 py-2">
                <Link href={`/diagnoses/${d.id}`} className="text-brand-700 underline">
                  {d.startedAt.toISOString().replace("T", " ").slice(0, 16)} UTC
                </Link>{" "}
                · {d.ok ? "passed" : (d.code ?? "failed")} · {d.headline}
                {d.transferId === transfer.id ? <span className="ml-2 rounded bg-slate-100 px-1 text-xs">for this transfer</span> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-slate-600">No connection test has run for this account yet.</p>
        )}
      </section>
    </AppShell>
  );
}
