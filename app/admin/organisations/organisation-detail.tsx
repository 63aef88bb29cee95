import type { Actor } from "@/lib/auth/actor";
import { PageHeader } from "@/app/app-shell";
import { AccountStatusTable } from "@/components/account-status-table";
import { listAccountStatuses, listOrganisationKeys } from "@/lib/partner-accounts/status";
import { listPartnerAccounts } from "@/lib/partner-accounts/service";
import { checkResponsesNowAction } from "@/app/responses/poll-actions";
import { listDestinations } from "@/lib/destinations/service";
import { listOpenInvitations } from "@/lib/organisations/invitations";
import { getOrganisation } from "@/lib/organisations/service";
import { listOrganisationUsers } from "@/lib/organisations/users";
import { needsReauthentication } from "@/lib/auth/recent-auth";
import { orNotFound } from "@/lib/not-found";
import { CreatePartnerAccountForm } from "@/app/admin/create-partner-account-form";
import { InvitePartnerUserForm } from "@/app/admin/organisations/organisation-forms";
import { UserRow } from "@/app/admin/organisations/user-row";
import { OrganisationTwoFactorRule } from "@/app/admin/users/organisation-two-factor-rule";
import { toUserRowData } from "@/app/admin/organisations/user-row-data";
import { StagingLimitsForm } from "@/app/admin/organisations/staging-limits-form";
import { getStagingUsage, type StagingUsageReport } from "@/lib/organisations/quota";
import { formatBytes } from "@/lib/format";
import { TransferStats } from "@/components/transfer-stats";
import { TableScroll } from "@/components/table-scroll";

function Section({ title, id, children }: { title: string; id?: string; children: React.ReactNode }) {
  return (
    <section aria-label={title} id={id} className="scroll-mt-4 space-y-3">
      <h2 className="text-lg font-semibold">{title}</h2>
      {children}
    </section>
  );
}

/** What the organisation holds in staging against its limits (read-only: support sees this too). */
function StagingUsageFacts({ usage }: { usage: StagingUsageReport }) {
  const whose = (own: boolean) => (own ? "set for this organisation" : "portal default");
  return (
    <dl className="grid max-w-xl grid-cols-[auto_minmax(0,1fr)] [overflow-wrap:anywhere] gap-x-6 gap-y-1 text-sm">
      <dt className="text-slate-500">Files waiting on the portal</dt>
      <dd>
        {formatBytes(usage.stagedBytes)} of {formatBytes(usage.limits.stagingQuotaBytes)} ({whose(usage.limits.own.stagingQuotaBytes)})
      </dd>
      <dt className="text-slate-500">Uploads in progress</dt>
      <dd>
        {usage.unfinishedUploads} of {usage.limits.maxUnfinishedUploads} at once ({whose(usage.limits.own.maxUnfinishedUploads)})
      </dd>
    </dl>
  );
}

/**
 * One organisation: contact, upload limits, users, partner accounts, destinations and keys. Admins get the
 * controls; support gets the same facts with no form rendered (and the data layer refuses their writes).
 */
export async function OrganisationDetail({
  actor,
  organisationId,
  readOnly,
  justApproved = false,
}: {
  actor: Actor;
  organisationId: string;
  readOnly: boolean;
  /** Arrived here from "Approve" on the Registrations page. */
  justApproved?: boolean;
}) {
  const [organisation, members, accounts, keys, invitations, overviews, staging] = await orNotFound(
    Promise.all([
      getOrganisation(actor, organisationId),
      listOrganisationUsers(actor, organisationId),
      listAccountStatuses(actor, { organisationId }),
      listOrganisationKeys(actor, organisationId),
      listOpenInvitations(actor, organisationId),
      listPartnerAccounts(actor, { organisationId }),
      getStagingUsage(actor, organisationId),
    ]),
  );
  // How each account's payer answers are collected; the read-only (support) view has no button.
  const responses = Object.fromEntries(overviews.map((overview) => [overview.account.id, overview.responses]));
  const destinations = readOnly || organisation.status !== "approved" ? [] : await listDestinations(actor);
  const withAccount = new Set(accounts.map((a) => a.destinationId));
  const needsPassword = needsReauthentication(actor);
  const partnerAccounts = (
    <Section title="Partner accounts" id="partner-accounts">
      <AccountStatusTable accounts={accounts} showOrganisation={false} responses={responses} checkResponses={readOnly ? undefined : checkResponsesNowAction} />
      {readOnly || organisation.status !== "approved" ? null : (
        <CreatePartnerAccountForm
          fixed={{ name: "organisationId", value: organisation.id }}
          choice={{ name: "destinationId", label: "Destination", options: destinations.filter((d) => !withAccount.has(d.id)).map((d) => ({ id: d.id, name: d.name })) }}
        />
      )}
    </Section>
  );
  // An approved organisation with no partner account cannot send anything: its partners' checklist says
  // "waiting for the admin to create your payer account". The admin's next step comes first, with its form.
  const nextStep = !readOnly && organisation.status === "approved" && accounts.length === 0;
  return (
    <>
      <PageHeader title={organisation.name} description={`Submitter ID ${organisation.submitterId} · ${organisation.status}${readOnly ? " · read-only view" : ""}`} />
      <div className="space-y-10">
        {nextStep ? (
          <div role="region" aria-label="Next step" className="space-y-4 rounded-lg border-2 border-brand-600 bg-brand-50 p-5">
            <div className="space-y-1 text-sm text-slate-800">
              <p className="text-base font-semibold text-slate-900">
                {justApproved ? "Registration approved. Next: create its partner accounts." : "Next: create this organisation's partner accounts."}
              </p>
              <p>
                {justApproved ? "The partner gets an email saying so. " : ""}Until it has an account on a destination, the partner&apos;s dashboard says it is waiting for you
                to create their payer account. Create one for each payer they send to, with the user name that payer issued.
              </p>
            </div>
            {partnerAccounts}
          </div>
        ) : null}
        <dl className="grid max-w-xl grid-cols-[auto_minmax(0,1fr)] [overflow-wrap:anywhere] gap-x-6 gap-y-1 text-sm">
          <dt className="text-slate-500">Contact</dt>
          <dd>{organisation.contactName}</dd>
          <dt className="text-slate-500">Email</dt>
          <dd>{organisation.contactEmail}</dd>
          <dt className="text-slate-500">Phone</dt>
          <dd>{organisation.contactPhone}</dd>
          <dt className="text-slate-500">Two-factor</dt>
          <dd>{readOnly ? (organisation.requireTwoFactor ? "required for every user" : "each user's choice") : <OrganisationTwoFactorRule organisationId={organisation.id} required={organisation.requireTwoFactor} />}</dd>
          {organisation.decisionReason ? (
            <>
              <dt className="text-slate-500">Decision reason</dt>
              <dd>{organisation.decisionReason}</dd>
            </>
          ) : null}
        </dl>

        <Section title="Transfers">
          <TransferStats actor={actor} organisationId={organisation.id} showRejections={false} />
        </Section>

        <Section title="Upload limits">
          <StagingUsageFacts usage={staging} />
          {readOnly ? null : (
            <StagingLimitsForm
              organisationId={organisation.id}
              own={{ stagingQuotaBytes: organisation.stagingQuotaBytes, maxUnfinishedUploads: organisation.maxUnfinishedUploads }}
              defaults={staging.defaults}
            />
          )}
        </Section>

        <Section title="Users">
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {members.map((user) => (
              <UserRow key={user.id} user={toUserRowData(user)} isSelf={false} readOnly={readOnly} needsPassword={needsPassword} />
            ))}
          </ul>
          {invitations.length ? <p className="text-sm text-slate-600">Open invitations: {invitations.map((i) => i.email).join(", ")}</p> : null}
          {readOnly || organisation.status !== "approved" ? null : (
            <div className="max-w-md">
              <InvitePartnerUserForm organisationId={organisation.id} />
            </div>
          )}
        </Section>

        {nextStep ? null : partnerAccounts}

        <Section title="Destinations">
          {accounts.length ? (
            <ul className="list-disc pl-6 text-sm">
              {[...new Map(accounts.map((a) => [a.destinationId, a])).values()].map((a) => (
                <li key={a.destinationId}>
                  {readOnly ? a.destinationName : <a href={`/admin/destinations/${a.destinationId}`} className="text-brand-700 underline">{a.destinationName}</a>} ({a.protocol.replace("_", " ")})
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-slate-600">This organisation sends to no destination yet.</p>
          )}
        </Section>

        <Section title="Keys">
          {keys.length ? (
            <TableScroll label="Keys table" className="rounded-lg border border-slate-200 bg-white">
              <table className="w-full text-left text-sm" aria-label="Keys">
                <thead className="bg-slate-50 text-slate-600">
                  <tr>
                    <th scope="col" className="px-3 py-2">Destination</th>
                    <th scope="col" className="px-3 py-2">User</th>
                    <th scope="col" className="px-3 py-2">Status</th>
                    <th scope="col" className="px-3 py-2">Size</th>
                    <th scope="col" className="px-3 py-2">SHA256 fingerprint</th>
                    <th scope="col" className="px-3 py-2">Added</th>
                  </tr>
                </thead>
                <tbody>
                  {keys.map((k) => (
                    <tr key={k.id} className="border-t border-slate-100 align-top">
                      <td className="px-3 py-2">{k.destinationName}</td>
                      <td className="break-all px-3 py-2">
                        <code>{k.username}</code>
                      </td>
                      <td className="px-3 py-2">{k.status}</td>
                      <td className="whitespace-nowrap px-3 py-2">{k.bits ? `${k.bits}-bit` : "—"}</td>
                      <td className="break-all px-3 py-2 font-mono text-xs">{k.sha256}</td>
                      <td className="whitespace-nowrap px-3 py-2">{k.createdAt.toISOString().slice(0, 10)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          ) : (
            <p className="text-sm text-slate-600">No key yet.</p>
          )}
        </Section>
      </div>
    </>
  );
}
