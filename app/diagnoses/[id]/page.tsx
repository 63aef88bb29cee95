import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { z } from "zod";
import { AppShell, PageHeader } from "@/app/app-shell";
import { DiagnosisView } from "@/components/diagnosis-view";
import { RunDiagnosisForm } from "@/app/diagnoses/run-diagnosis-form";
import { getDiagnosis } from "@/lib/diagnosis/records";
import { requirePageActor } from "@/lib/auth/session";
import { formatDiagnosisReport } from "@/lib/diagnosis";
import { nextDiagnosisAllowedAt } from "@/lib/diagnosis/service";
import { env } from "@/lib/env";
import { orNotFound } from "@/lib/not-found";
import packageJson from "@/package.json";

export const metadata: Metadata = { title: "Diagnosis" };

export default async function DiagnosisPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePageActor();
  if (actor.role === "partner" && actor.organisationStatus !== "approved") redirect("/pending");
  const parsed = z.string().uuid().safeParse((await params).id);
  if (!parsed.success) notFound();
  const { diagnosis, result, destinationName, organisationName, username } = await orNotFound(getDiagnosis(actor, parsed.data));
  const report = formatDiagnosisReport(result, {
    portalVersion: packageJson.version,
    egressIps: env().EGRESS_IPS,
    accountLabel: `${organisationName} / ${username} on ${destinationName}`,
  });
  const nextAllowed = await nextDiagnosisAllowedAt(diagnosis.partnerAccountId);
  return (
    <AppShell actor={actor}>
      <PageHeader
        title={`Connection test: ${destinationName}`}
        description={`${organisationName} · user ${username} · ${diagnosis.startedAt.toISOString().replace("T", " ").slice(0, 19)} UTC · run by ${diagnosis.runByRole}`}
      />
      <DiagnosisView result={result} report={report} accountId={diagnosis.partnerAccountId} />
      <div className="mt-6 max-w-md">
        <RunDiagnosisForm accountId={diagnosis.partnerAccountId} label="Run again" nextAllowedAt={nextAllowed ? nextAllowed.toISOString().slice(11, 16) : null} />
      </div>
    </AppShell>
  );
}
