import type { Metadata } from "next";
import type { Actor } from "@/lib/auth/actor";
import { AppShell, PageHeader } from "@/app/app-shell";
import { listApiTokens } from "@/lib/api/tokens";
import { listOpenInvitations } from "@/lib/organisations/invitations";
import { listPartnerAccounts } from "@/lib/partner-accounts/service";
import { listOrganisationUsers } from "@/lib/organisations/users";
import { needsReauthentication } from "@/lib/auth/recent-auth";
import { requirePageActor } from "@/lib/auth/session";
import Link from "next/link";
import { redirect } from "next/navigation";
import { ApiTokenRow, CreateApiTokenForm } from "@/app/account/api-tokens";
import { ChangePasswordForm, ColleagueRow, InviteColleagueForm } from "@/app/account/forms";
import { SessionsSection, TwoFactorSection } from "@/app/account/security-sections";
import { DailySummaryForm } from "@/app/account/daily-summary";
import { CreateMonitoringTokenForm, MonitoringTokenRow } from "@/app/account/monitoring-tokens";
import { listMonitoringTokens } from "@/lib/monitoring/tokens";
import { ownDailySummary } from "@/lib/notifications/daily-summary-preference";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const actor = await requirePageActor();
  if (actor.role === "partner" && actor.organisationStatus !== "approved") redirect("/pending");
  const colleagues = actor.role === "partner" && actor.organisationId ? await listOrganisationUsers(actor, actor.organisationId) : [];
  const invitations = actor.role === "partner" && actor.isOrgAdmin && actor.organisationId ? await listOpenInvitations(actor, actor.organisationId) : [];
  const dailySummary = await ownDailySummary(actor);
  return (
    <AppShell actor={actor}>
      <PageHeader title="Your account" description={actor.email} />
      <div className="grid gap-8 lg:grid-cols-2">
        <section aria-labelledby="password-heading" className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="password-heading" className="mb-3 text-lg font-semibold">
            Change password
          </h2>
          <ChangePasswordForm />
        </section>
        <section aria-labelledby="daily-summary-heading" className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="daily-summary-heading" className="mb-3 text-lg font-semibold">
            Daily summary
          </h2>
          <DailySummaryForm enabled={dailySummary} staff={actor.role !== "partner"} />
        </section>
        {actor.role === "partner" ? (
          <section aria-labelledby="colleagues-heading" className="rounded-lg border border-slate-200 bg-white p-5">
            <h2 id="colleagues-heading" className="mb-3 text-lg font-semibold">
              Colleagues
            </h2>
            <ul className="divide-y divide-slate-200">
              {colleagues.map((user) => (
                <ColleagueRow key={user.id} user={user} manageable={actor.isOrgAdmin && user.id !== actor.userId} />
              ))}
            </ul>
            {actor.isOrgAdmin ? (
              <>
                {invitations.length ? (
                  <p className="mt-3 text-sm text-slate-600">Open invitations: {invitations.map((i) => i.email).join(", ")}</p>
                ) : null}
                <div className="mt-4">
                  <InviteColleagueForm />
                </div>
              </>
            ) : (
              <p className="mt-3 text-sm text-slate-600">Your organisation&apos;s administrator can invite more colleagues.</p>
            )}
          </section>
        ) : null}
        {actor.role === "admin" || (actor.role === "partner" && actor.isOrgAdmin) ? (
          <section aria-labelledby="webhooks-heading" className="rounded-lg border border-slate-200 bg-white p-5">
            <h2 id="webhooks-heading" className="mb-3 text-lg font-semibold">
              Webhooks
            </h2>
            <p className="mb-3 text-sm text-slate-600">
              {actor.role === "admin"
                ? "Set up signed HTTPS events for an organisation's systems: delivered, needs attention, failed."
                : "Let your own systems hear about each transfer as it is delivered, needs attention or fails: a signed HTTPS request to an address you choose."}
            </p>
            <Link href="/account/webhooks" className="text-brand-700 underline">
              Manage webhooks
            </Link>
          </section>
        ) : null}
        <TwoFactorSection actor={actor} />
        <SessionsSection actor={actor} />
        {actor.role === "partner" ? <ApiTokensSection actor={actor} /> : null}
        {actor.role === "admin" ? <MonitoringTokensSection actor={actor} /> : null}
      </div>
    </AppShell>
  );
}

/** Bearer tokens for monitoring systems: they read /api/health/details and /api/metrics, nothing else. */
async function MonitoringTokensSection({ actor }: { actor: Actor }) {
  const tokens = await listMonitoringTokens(actor);
  return (
    <section aria-labelledby="monitoring-tokens-heading" className="rounded-lg border border-slate-200 bg-white p-5 lg:col-span-2">
      <h2 id="monitoring-tokens-heading" className="mb-1 text-lg font-semibold">
        Monitoring tokens
      </h2>
      <p className="mb-4 text-sm text-slate-600">
        For a monitoring system that polls <code>/api/health/details</code> (queues, relays in flight, destination health) or
        scrapes <code>/api/metrics</code> (Prometheus) with <code>Authorization: Bearer edm_…</code>. These tokens read nothing else.
      </p>
      {tokens.length ? (
        <ul aria-label="Monitoring tokens" className="divide-y divide-slate-200">
          {tokens.map((token) => (
            <MonitoringTokenRow
              key={token.id}
              token={{ id: token.id, name: token.name, prefix: token.prefix, ownerEmail: token.ownerEmail, createdAt: token.createdAt.toISOString(), lastUsedAt: token.lastUsedAt?.toISOString() ?? null }}
            />
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-600">No monitoring tokens.</p>
      )}
      <div className="mt-4">
        <CreateMonitoringTokenForm needsPassword={needsReauthentication(actor)} />
      </div>
    </section>
  );
}

/** Tokens for the HTTPS API (docs at /api/v1/openapi.json), and the account ids its uploads name. */
async function ApiTokensSection({ actor }: { actor: Actor }) {
  const [tokens, accounts] = await Promise.all([listApiTokens(actor), listPartnerAccounts(actor, {})]);
  return (
    <section aria-labelledby="api-tokens-heading" className="rounded-lg border border-slate-200 bg-white p-5 lg:col-span-2">
      <h2 id="api-tokens-heading" className="mb-1 text-lg font-semibold">
        API tokens
      </h2>
      <p className="mb-4 text-sm text-slate-600">
        Let your own systems upload files and follow transfers over HTTPS, as you, inside your organisation. Send a token as{" "}
        <code>Authorization: Bearer edi_…</code>; the operations are described in{" "}
        <a href="/api/v1/openapi.json" className="text-brand-700 underline">
          the OpenAPI document
        </a>
        .
      </p>
      <div className="grid gap-6 lg:grid-cols-2">
        <div>
          {tokens.length ? (
            <ul aria-label="Your API tokens" className="divide-y divide-slate-200">
              {tokens.map((token) => (
                <ApiTokenRow
                  key={token.id}
                  needsPassword={needsReauthentication(actor)}
                  token={{ id: token.id, name: token.name, prefix: token.prefix, createdAt: token.createdAt.toISOString(), lastUsedAt: token.lastUsedAt?.toISOString() ?? null }}
                />
              ))}
            </ul>
          ) : (
            <p className="text-sm text-slate-600">You have no API tokens.</p>
          )}
          <div className="mt-4">
            <CreateApiTokenForm needsPassword={needsReauthentication(actor)} />
          </div>
        </div>
        <div>
          <h3 className="mb-2 font-medium">Account ids for X-Account-Id</h3>
          {accounts.length ? (
            <dl aria-label="Account ids" className="grid grid-cols-[auto_minmax(0,1fr)] [overflow-wrap:anywhere] gap-x-4 gap-y-1 text-sm">
              {accounts.map(({ account, destination }) => (
                <div key={account.id} className="contents">
                  <dt className="text-slate-600">{destination.name}</dt>
                  <dd>
                    <code className="break-all text-xs" aria-label={`Account id for ${destination.name}`}>
                      {account.id}
                    </code>
                  </dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="text-sm text-slate-600">No payer account is set up for your organisation yet.</p>
          )}
        </div>
      </div>
    </section>
  );
}
