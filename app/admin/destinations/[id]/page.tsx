import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { PageHeader } from "@/app/app-shell";
import { ResponsePickupSummary } from "@/components/account-status-table";
import { checkResponsesNowAction } from "@/app/responses/poll-actions";
import { CheckResponsesButton } from "@/components/check-responses-button";
import { getDestination } from "@/lib/destinations/service";
import { searchOrganisations } from "@/lib/organisations/service";
import { listPartnerAccounts } from "@/lib/partner-accounts/service";
import { requirePageRole } from "@/lib/auth/session";
import { columnsToForm, LEGACY_ALGORITHMS, protocolLabel } from "@/lib/destinations/spec";
import { orNotFound } from "@/lib/not-found";
import { updateDestinationAction } from "@/app/admin/destinations/actions";
import { DestinationForm } from "@/app/admin/destinations/destination-form";
import { CreatePartnerAccountForm } from "@/app/admin/create-partner-account-form";
import { AccountPasswordForm, DisableToggle, IdentityReview, ManualPin, PinnedFingerprint, TestFileForm } from "@/app/admin/destinations/[id]/panels";

export const metadata: Metadata = { title: "Destination" };

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section aria-label={title} className="rounded-lg border border-slate-200 bg-white p-5">
      <h2 className="mb-3 text-lg font-semibold">{title}</h2>
      {children}
    </section>
  );
}

export default async function DestinationPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePageRole("admin");
  const parsed = z.string().uuid().safeParse((await params).id);
  if (!parsed.success) notFound();
  const destination = await orNotFound(getDestination(actor, parsed.data));
  const [accounts, organisations] = await Promise.all([listPartnerAccounts(actor, { destinationId: destination.id }), searchOrganisations(actor)]);
  const isSftp = destination.protocol === "sftp";
  const pins = isSftp ? destination.hostKeyFingerprints : destination.tlsPins;
  const needsPin = isSftp ? pins.length === 0 : destination.tlsMode === "pinned" && pins.length === 0;
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return (
    <>
      <PageHeader title={destination.name} description={`${protocolLabel[destination.protocol]} · ${destination.host}:${destination.port} · ${destination.remoteDir}`}>
        <DisableToggle destinationId={destination.id} disabled={Boolean(destination.disabledAt)} />
      </PageHeader>
      <div className="space-y-6">
        {destination.disabledAt ? <p className="rounded-md border border-slate-300 bg-slate-100 p-3 text-sm">Disabled: nothing is relayed to this destination.</p> : null}
        {isSftp && destination.algorithmProfile === "legacy" ? (
          <div role="note" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
            <p className="font-semibold">Risk: legacy SSH algorithms enabled</p>
            <p className="mt-1">
              This destination may negotiate {LEGACY_ALGORITHMS.join(", ")}. These use SHA-1, MD5 or CBC modes that are considered weak; they are enabled only because
              the payer&apos;s server offers nothing newer. Switch to the modern profile as soon as the payer upgrades.
            </p>
          </div>
        ) : null}
        {needsPin ? (
          <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900">
            Nothing is pinned yet, so every connection is refused. Fetch the server&apos;s {isSftp ? "host key" : "certificate"}, compare it with what the payer published, and pin it.
          </p>
        ) : null}

        <Section title={isSftp ? "Host key" : "Certificate"}>
          {pins.length ? (
            <ul className="mb-4 divide-y divide-slate-100" aria-label="Pinned fingerprints">
              {pins.map((fingerprint) => (
                <PinnedFingerprint key={fingerprint} destinationId={destination.id} fingerprint={fingerprint} />
              ))}
            </ul>
          ) : null}
          {!isSftp ? (
            <p className="mb-4 text-sm text-slate-600" data-testid="tls-verification">
              {destination.tlsMode === "pinned" ? (
                <>
                  <span className="font-semibold text-slate-900">Verification: pinned certificate.</span> Deliveries accept only the certificates pinned here, whatever their
                  issuer or names.
                </>
              ) : (
                <>
                  <span className="font-semibold text-slate-900">Verification: certificate authorities.</span> Certificates are verified against the system&apos;s
                  certificate authorities{destination.tlsCaPem ? " and the private CA in Settings" : ""}, and must name {destination.host}.
                  {pins.length ? " The fingerprints listed above are not used until this destination uses pinned verification." : " Pinning a certificate switches to pinned verification."}
                </>
              )}
            </p>
          ) : null}
          <div className="grid gap-6 lg:grid-cols-2">
            <IdentityReview destinationId={destination.id} />
            <ManualPin destinationId={destination.id} kind={isSftp ? "ssh" : "tls"} />
          </div>
        </Section>

        <Section title="Partner accounts">
          {accounts.length ? (
            <ul className="mb-4 divide-y divide-slate-100">
              {accounts.map(({ account, organisationName, passwordSetAt, keys, responses }) => (
                <li key={account.id} className="space-y-2 py-3 text-sm">
                  <p>
                    <span className="font-medium">{organisationName}</span> · user <code>{account.username}</code> · password{" "}
                    {passwordSetAt ? `set on ${passwordSetAt.toISOString().slice(0, 10)}` : "not set"} · {keys.length} key{keys.length === 1 ? "" : "s"} · set by {account.secretsSetBy}
                  </p>
                  <p>
                    <ResponsePickupSummary status={responses} accountId={account.id} />
                  </p>
                  {responses.state !== "not_collected" ? <CheckResponsesButton action={checkResponsesNowAction} accountId={account.id} label={`${organisationName} (${account.username})`} /> : null}
                  <AccountPasswordForm accountId={account.id} destinationId={destination.id} username={account.username} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="mb-4 text-sm text-slate-600">No organisation has an account here yet.</p>
          )}
          <CreatePartnerAccountForm
            fixed={{ name: "destinationId", value: destination.id }}
            choice={{ name: "organisationId", label: "Organisation", options: organisations.filter((o) => o.status === "approved").map((o) => ({ id: o.id, name: o.name })) }}
          />
        </Section>

        {accounts.length ? (
          <Section title="Send test file">
            <TestFileForm
              destinationId={destination.id}
              accounts={accounts.map(({ account, organisationName }) => ({ id: account.id, label: `${organisationName} (${account.username})` }))}
              suggestedName={`PORTAL-TEST-${stamp}.TXT`}
            />
          </Section>
        ) : null}

        <Section title="Settings">
          {/* Keyed on the mode: pinning switches it, and the form must not keep (and save back) the old choice. */}
          <DestinationForm key={destination.tlsMode} action={updateDestinationAction} initial={columnsToForm(destination)} hidden={{ destinationId: destination.id }} submitLabel="Save changes" />
        </Section>
      </div>
    </>
  );
}
