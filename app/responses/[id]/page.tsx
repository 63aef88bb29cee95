import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { PageHeader } from "@/app/app-shell";
import { claimTotalsOfFile, findingsOfFile, transactionSetsOfFile } from "@/app/responses/[id]/file-findings";
import { RESPONSE_KIND_LABELS, transactionSetName } from "@/app/responses/labels";
import { PayerResponseBadge } from "@/components/payer-response-badge";
import { ResponseFindings } from "@/components/payer-response-timeline";
import { requirePageRole } from "@/lib/auth/session";
import { formatBytes } from "@/lib/format";
import { orNotFound } from "@/lib/not-found";
import { getOrganisation } from "@/lib/organisations/service";
import { getResponseFileDetail, type ResponseFileDetail } from "@/lib/responses/service";

export const metadata: Metadata = { title: "Payer file" };

const utc = (date: Date) => `${date.toISOString().replace("T", " ").slice(0, 16)} UTC`;

/** Why a file answers none of the organisation's transfers, by what kind of file it is. */
function unlinkedExplanation(kind: ResponseFileDetail["file"]["kind"]): string {
  if (kind === "other") return "This is not an acknowledgement, so it answers no transfer: it is kept here for you to download.";
  if (kind === "unreadable") return "The portal could not read this file, so it could not tell which transfer it answers.";
  return "None of your transfers carries the control numbers this acknowledgement points back to. It may answer a file sent another way (not through the portal), or one sent before the portal kept control numbers.";
}

function afterPickup(file: ResponseFileDetail["file"]): string {
  if (file.settleError) return `not done yet: ${file.settleError}`;
  if (!file.settledAt) return "pending";
  const outcome = file.settleOutcome === "deleted" ? "deleted from the payer's server" : file.settleOutcome === "moved" ? "moved on the payer's server" : file.settleOutcome === "left" ? "left on the payer's server" : (file.settleOutcome ?? "done");
  return `${outcome} (${utc(file.settledAt)})`;
}

export default async function ResponseFilePage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePageRole("partner", "admin", "support");
  const parsed = z.string().uuid().safeParse((await params).id);
  if (!parsed.success) notFound();
  const { file, links } = await orNotFound(getResponseFileDetail(actor, parsed.data));
  const organisation = actor.role === "partner" ? undefined : await getOrganisation(actor, file.organisationId);
  const findings = findingsOfFile(file.summary);
  const transactionSets = file.kind === "other" ? transactionSetsOfFile(file.summary) : [];
  const claims = claimTotalsOfFile(file.summary);
  return (
    <>
      <PageHeader title={file.remoteName} description={`${RESPONSE_KIND_LABELS[file.kind]} from ${file.destinationName} (account ${file.username})${organisation ? ` for ${organisation.name}` : ""}`}>
        {file.verdict ? <PayerResponseBadge status={file.verdict} large /> : null}
      </PageHeader>
      <p className="mb-4 text-sm">
        <Link href="/responses" className="text-brand-700 underline">
          All payer files
        </Link>
      </p>
      <dl className="mb-6 grid max-w-3xl grid-cols-[auto_minmax(0,1fr)] [overflow-wrap:anywhere] gap-x-6 gap-y-1 text-sm">
        <dt className="text-slate-500">Kind</dt>
        <dd>{RESPONSE_KIND_LABELS[file.kind]}</dd>
        {claims ? (
          <>
            <dt className="text-slate-500">Claims</dt>
            <dd>
              {claims.claims.toLocaleString("en-US")} listed: {claims.accepted.toLocaleString("en-US")} accepted, {claims.rejected.toLocaleString("en-US")} rejected
            </dd>
          </>
        ) : null}
        <dt className="text-slate-500">Size</dt>
        <dd>{formatBytes(file.remoteSize)}</dd>
        <dt className="text-slate-500">SHA-256</dt>
        <dd className="break-all font-mono text-xs">{file.sha256}</dd>
        <dt className="text-slate-500">Picked up</dt>
        <dd>{utc(file.pickedUpAt)}</dd>
        <dt className="text-slate-500">On the payer&apos;s server since</dt>
        <dd>{file.remoteModifiedAt ? `${file.remoteModifiedAt.replace("T", " ").slice(0, 16)} UTC` : "the server did not say"}</dd>
        <dt className="text-slate-500">After pickup</dt>
        <dd>{afterPickup(file)}</dd>
      </dl>
      <p className="mb-6">
        {file.available ? (
          <a href={`/api/responses/${file.id}/download`} className="inline-block rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
            Download<span className="sr-only"> {file.remoteName}</span>
          </a>
        ) : (
          <span className="text-sm text-slate-600">The portal no longer keeps this file (files are removed after the retention period). Ask the payer to send it again if you need it.</span>
        )}
      </p>
      {file.kind === "unreadable" ? (
        <section aria-labelledby="unreadable" className="mb-6 rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-950">
          <h2 id="unreadable" className="mb-1 text-lg font-semibold">
            Why it could not be read
          </h2>
          <p>{file.unreadableReason ?? "No reason was recorded."}</p>
        </section>
      ) : null}
      {file.kind === "other" ? (
        <section aria-labelledby="contents" className="mb-6">
          <h2 id="contents" className="mb-2 text-lg font-semibold">
            What is in it
          </h2>
          {transactionSets.length ? (
            <ul className="list-disc pl-6 text-sm">
              {transactionSets.map((set) => (
                <li key={set}>{transactionSetName(set)}</li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-slate-600">An X12 envelope without transaction sets.</p>
          )}
        </section>
      ) : null}
      <section aria-labelledby="answers" className="mb-6">
        <h2 id="answers" className="mb-2 text-lg font-semibold">
          What it answers
        </h2>
        {links.length ? (
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
            {links.map((link) => (
              <li key={link.transferId} className="flex flex-wrap items-center gap-2 px-4 py-2">
                <Link href={`/transfers/${link.transferId}`} className="break-all text-brand-700 underline">
                  {link.originalName}
                </Link>
                <span>{link.headline}</span>
                <PayerResponseBadge status={link.verdict} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-slate-600">Not linked to any transfer. {unlinkedExplanation(file.kind)}</p>
        )}
      </section>
      {file.kind !== "other" && file.kind !== "unreadable" ? (
        <section aria-labelledby="findings" className="mb-6">
          <h2 id="findings" className="mb-2 text-lg font-semibold">
            What the payer says
          </h2>
          {findings.length ? (
            <ResponseFindings findings={findings} label="Findings" />
          ) : (
            <p className="text-sm text-slate-600">{file.verdict === "accepted" ? "Everything in this file was accepted: nothing to fix." : "The file names no specific problem."}</p>
          )}
        </section>
      ) : null}
    </>
  );
}
