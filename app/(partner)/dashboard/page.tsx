import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/app/app-shell";
import { TransferStats } from "@/components/transfer-stats";
import { getOrganisation } from "@/lib/organisations/service";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Dashboard" };

const steps = [
  { href: "/keys", title: "Set up your key and credentials", text: "Generate an RSA-2048 key or upload yours, and store the login your payer gave you." },
  { href: "/upload", title: "Upload claim files", text: "Drop files in the browser; we relay them to the payer over SFTP or FTPS from our fixed address." },
  { href: "/history", title: "Follow every transfer", text: "See each file's status, attempts and the server's transcript." },
  { href: "/troubleshooting", title: "Fix connection problems", text: "Run a step-by-step diagnosis and get a guide for the exact failure." },
];

export default async function DashboardPage() {
  const actor = await requirePageRole("partner");
  const organisation = await getOrganisation(actor, actor.organisationId!);
  return (
    <>
      <PageHeader title={`Welcome, ${actor.name}`} description={`${organisation.name} · submitter ID ${organisation.submitterId}`} />
      <TransferStats actor={actor} />
      <section aria-labelledby="getting-started" className="space-y-3">
        <h2 id="getting-started" className="text-lg font-semibold">
          Getting started
        </h2>
        <ol className="grid gap-4 sm:grid-cols-2">
          {steps.map((step, index) => (
            <li key={step.href} className="rounded-lg border border-slate-200 bg-white p-4">
              <Link href={step.href} className="font-medium text-brand-700 underline">
                {index + 1}. {step.title}
              </Link>
              <p className="mt-1 text-sm text-slate-600">{step.text}</p>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
