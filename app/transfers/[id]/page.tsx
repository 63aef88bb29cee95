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
import { listTransferEvents, REQUEUEABLE_STATUSES } from "@/lib/transfers/history/events";
import { listDiagnoses } from "@/lib/diagnosis/records";
import { RequeueForm } from "@/app/transfers/requeue-form";
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
  const mayRequeue = (actor.role === "support" || actor.role === "admin") && (REQUEUEABLE_STATUSES as readonly string[]).includes(transfer.status) && Boolean(transfer.stagingKey);
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
      {transfer.awaitingConfirmation && actor.role === "partner" ? (
        <div className="mb-4 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm">
          <p>This exact file was delivered recently. Send it again?</p>
          <ConfirmDuplicate transferId={transfer.id} />
        </div>
      ) : null}
      {transfer.checks.length ? (
        <ul aria-label="Checks" className="mb-4 list-disc space-y-1 rounded-lg border border-amber-300 bg-amber-50 p-3 pl-8 text-sm">
          {transfer.checks.map((check, i) => (
            <li key={i}>{check.message}</li>
          ))}
        </ul>
      ) : null}
      <dl className="mb-6 grid max-w-3xl grid-cols-[auto_1fr] gap-x-6 gap-y-1 text-sm">
        <dt className="text-slate-500">Remote name</dt>
        <dd className="font-mono text-xs">{transfer.remoteName}</dd>
        <dt className="text-slate-500">Size</dt>
        <dd>{transfer.sizeBytes.toLocaleString("en-US")} bytes</dd>
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
                {event.at.toISOString().replace("T", " ").slice(0, 16)} UTC · re-queued by {event.actorRole === "admin" ? "an administrator" : "our support team"}: “{event.reason}”
              </li>
            ))}
          </ul>
        </section>
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
