import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { PageHeader } from "@/app/app-shell";
import { ScrollPre } from "@/components/scroll-pre";
import { requirePageRole } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { guideContextForAccount } from "@/lib/diagnosis/guide-context";
import { clientSetup, type ClientInstructions } from "@/lib/guides";
import { orNotFound } from "@/lib/not-found";

export const metadata: Metadata = { title: "Set up your own client" };

function Client({ instructions }: { instructions: ClientInstructions }) {
  return (
    <section aria-label={instructions.client} className="min-w-0 rounded-lg border border-slate-200 bg-white p-5 wrap-anywhere">
      <h2 className="mb-3 text-lg font-semibold">{instructions.client}</h2>
      <table className="w-full text-left text-sm">
        <tbody>
          {instructions.fields.map((field) => (
            <tr key={field.label} className="border-t border-slate-100 align-top">
              <th scope="row" className="py-1.5 pr-4 font-normal text-slate-600">
                {field.label}
              </th>
              <td className="py-1.5">
                <code className="break-all">{field.value}</code>
                {field.note ? <p className="text-xs text-slate-500">{field.note}</p> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {instructions.steps.length ? (
        <ol className="mt-3 list-decimal space-y-1 pl-5 text-sm">
          {instructions.steps.map((step, i) => (
            <li key={i}>{step}</li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}

export default async function ClientSetupPage({ params }: { params: Promise<{ accountId: string }> }) {
  const actor = await requirePageRole("partner");
  const parsed = z.string().uuid().safeParse((await params).accountId);
  if (!parsed.success) notFound();
  const { destination, username } = await orNotFound(guideContextForAccount(actor, parsed.data));
  const setup = clientSetup(destination!, { username, egressIps: env().EGRESS_IPS });
  return (
    <>
      <PageHeader title={`Set up your own client: ${setup.destinationName}`} description={`${setup.protocolName} · ${setup.connection.host}:${setup.connection.port}`} />
      <div className="space-y-6">
        <section aria-label="Network" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
          <p>{setup.network.ownClient}</p>
          <p className="mt-1">{setup.network.portalEgress}</p>
          <ul className="mt-2 list-disc pl-5">
            {setup.network.firewallRules.map((rule, i) => (
              <li key={i}>{rule}</li>
            ))}
          </ul>
        </section>
        {setup.warnings.length ? (
          <ul role="note" className="list-disc rounded-lg border border-slate-200 bg-white p-4 pl-8 text-sm">
            {setup.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        ) : null}
        <div className="grid gap-6 xl:grid-cols-2">
          <Client instructions={setup.filezilla} />
          <Client instructions={setup.winscp} />
        </div>
        <section aria-label="Command line" className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 className="mb-3 text-lg font-semibold">Command line</h2>
          <ul className="space-y-3">
            {setup.commandLine.map((example, i) => (
              <li key={i} className="text-sm">
                <p>{example.purpose}</p>
                <ScrollPre label={`Command ${i + 1}: ${example.purpose}`} className="mt-1 overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100">
                  {example.command}
                </ScrollPre>
              </li>
            ))}
          </ul>
          {setup.knownHosts ? (
            <div className="mt-4 text-sm">
              <h3 className="font-medium">Check the server&apos;s host key</h3>
              <p>{setup.knownHosts.explanation}</p>
              <p className="mt-1">
                Expected fingerprint{setup.knownHosts.expectedFingerprints.length === 1 ? "" : "s"}: <code className="break-all">{setup.knownHosts.expectedFingerprints.join(", ") || "not pinned yet — ask support"}</code>
              </p>
              <ScrollPre label="Command to check the host key" className="mt-1 overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100">
                {setup.knownHosts.verifyCommand}
              </ScrollPre>
            </div>
          ) : null}
        </section>
      </div>
    </>
  );
}
