import type { Metadata } from "next";
import { PageHeader } from "@/app/app-shell";
import { ResponsePickupSummary } from "@/components/account-status-table";
import { checkResponsesNowAction } from "@/app/responses/poll-actions";
import { CheckResponsesButton } from "@/components/check-responses-button";
import { allowedGeneratedBits, listAccountKeys } from "@/lib/partner-keys/service";
import { listPartnerAccounts } from "@/lib/partner-accounts/service";
import { requirePageRole } from "@/lib/auth/session";
import { freshAuthenticationUntil } from "@/lib/auth/recent-auth";
import { protocolLabel } from "@/lib/destinations/spec";
import {
  AttachPrivateKeyForm,
  ConfirmIdentityPanel,
  DownloadPrivateKeyForm,
  FreshAccessProvider,
  GenerateKeyForm,
  PasswordForm,
  RetireKeyForm,
  UploadPrivateKeyForm,
  UploadPublicKeyForm,
} from "@/app/(partner)/keys/forms";

export const metadata: Metadata = { title: "Keys & credentials" };

const statusText = {
  pending: "Waiting for the payer to install it",
  installed: "Installed on the payer's server",
  rejected: "Rejected",
  retired: "Retired",
} as const;
const statusStyle = {
  pending: "bg-amber-100 text-amber-900",
  installed: "bg-green-100 text-green-900",
  rejected: "bg-red-100 text-red-900",
  retired: "bg-slate-100 text-slate-700",
} as const;

/** After "Waiting for the payer to install it": who does what next, and what keeps working meanwhile. */
function PendingKeyNextSteps({ hasPrivateKey }: { hasPrivateKey: boolean }) {
  return (
    <div role="note" aria-label="What happens next" className="mt-2 rounded border border-slate-200 bg-slate-50 p-2 text-slate-800">
      <p className="font-medium">What happens next</p>
      {/* Sentences, not a list: the key is itself a list item. */}
      <p className="mt-1">
        1. Send the public key (download it below) to your payer and ask them to install it for your user name. 2. Once the payer confirms, an administrator marks it
        installed here, and you get an email. 3. From then on, deliveries use this key{hasPrivateKey ? "" : " (after you add its private half below)"}.
      </p>
      <p className="mt-1 text-slate-600">
        Meanwhile nothing changes: deliveries keep using the password alone, or your previous installed key, where this payer allows it.
      </p>
    </div>
  );
}

function ageInDays(since: Date): number {
  return Math.floor((Date.now() - since.getTime()) / 86_400_000);
}

export default async function KeysPage() {
  const actor = await requirePageRole("partner");
  const accounts = await listPartnerAccounts(actor, {});
  const freshUntil = freshAuthenticationUntil(actor);
  const editable = accounts.some(({ account }) => account.secretsSetBy !== "admin");
  return (
    <FreshAccessProvider freshUntil={freshUntil ? freshUntil.toISOString() : null}>
      <PageHeader
        title="Keys & credentials"
        description="The login your payer issued, and the RSA key it expects. Passwords and private keys are stored encrypted and can never be displayed again."
      />
      {accounts.length === 0 ? (
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600">
          No payer account is set up for your organisation yet. An administrator creates it once your payer has issued your user name.
        </p>
      ) : null}
      {editable ? <ConfirmIdentityPanel /> : null}
      <div className="space-y-8">
        {accounts.map(async ({ account, destination, passwordSetAt, responses }) => {
          const keys = await listAccountKeys(actor, account.id);
          const managedByAdmin = account.secretsSetBy === "admin";
          const isSftp = destination.protocol === "sftp";
          return (
            <section key={account.id} aria-label={destination.name} className="rounded-lg border border-slate-200 bg-white p-5">
              <h2 className="text-lg font-semibold">{destination.name}</h2>
              <p className="text-sm text-slate-600">
                {protocolLabel[destination.protocol as keyof typeof protocolLabel]} · {destination.host} · user <code>{account.username}</code>
              </p>
              <div className="mt-2 space-y-2 text-sm">
                <p>
                  <ResponsePickupSummary status={responses} accountId={account.id} />
                </p>
                {responses.state !== "not_collected" ? <CheckResponsesButton action={checkResponsesNowAction} accountId={account.id} label={destination.name} /> : null}
              </div>

              <h3 className="mt-5 font-medium">Password</h3>
              <p className="text-sm text-slate-700">{passwordSetAt ? `Set on ${passwordSetAt.toISOString().slice(0, 10)}` : "Not set yet"}</p>
              {managedByAdmin ? (
                <p className="text-sm text-slate-600">An administrator manages this account&apos;s password and keys.</p>
              ) : (
                <PasswordForm accountId={account.id} hasPassword={Boolean(passwordSetAt)} payer={destination.name} />
              )}

              {isSftp ? (
                <>
                  <h3 className="mt-6 font-medium">RSA keys</h3>
                  <p className="text-sm text-slate-600">
                    This payer requires an RSA key of {destination.keyBitsMode === "exact" ? "exactly" : "at least"} {destination.keyBits} bits. Keys older than{" "}
                    {destination.keyRotationDays} days should be replaced.
                  </p>
                  <ul className="mt-3 space-y-3" aria-label={`Keys for ${destination.name}`}>
                    {keys.map((key) => {
                      const age = ageInDays(key.createdAt);
                      const due = key.status !== "retired" && age >= destination.keyRotationDays;
                      return (
                        <li key={key.id} className="rounded-md border border-slate-200 p-3 text-sm" aria-label={`Key ${key.sha256}`}>
                          <div className="flex flex-wrap items-center gap-2">
                            <span className={`rounded px-2 py-0.5 text-xs font-medium ${statusStyle[key.status]}`}>{statusText[key.status]}</span>
                            <span>
                              RSA {key.bits} · {key.source === "generated" ? "generated here" : "uploaded"} · {age} day{age === 1 ? "" : "s"} old
                            </span>
                            {key.hasPrivateKey ? null : <span className="rounded bg-slate-100 px-2 py-0.5 text-xs">public key only</span>}
                          </div>
                          {due ? (
                            <p role="note" className="mt-2 rounded border border-amber-300 bg-amber-50 p-2 text-amber-950">
                              Rotation reminder: this key is older than {destination.keyRotationDays} days. Generate a new one and send it to your payer.
                            </p>
                          ) : null}
                          {key.status === "pending" ? <PendingKeyNextSteps hasPrivateKey={key.hasPrivateKey} /> : null}
                          {key.status === "rejected" && key.decisionReason ? <p className="mt-2 text-red-800">Reason: {key.decisionReason}</p> : null}
                          <dl className="mt-2 grid grid-cols-[auto_minmax(0,1fr)] [overflow-wrap:anywhere] gap-x-3 font-mono text-xs">
                            <dt className="font-sans text-slate-500">SHA256</dt>
                            <dd className="break-all">{key.sha256}</dd>
                            <dt className="font-sans text-slate-500">MD5</dt>
                            <dd className="break-all">{key.md5}</dd>
                          </dl>
                          <p className="mt-2 flex flex-wrap gap-3">
                            <a className="text-brand-700 underline" href={`/api/keys/${key.id}/public?format=openssh`}>Download public key (OpenSSH)</a>
                            <a className="text-brand-700 underline" href={`/api/keys/${key.id}/public?format=rfc4716`}>SSH2 / RFC 4716 (GlobalSCAPE, Tectia)</a>
                            <a className="text-brand-700 underline" href={`/api/keys/${key.id}/public?format=pem`}>PEM</a>
                          </p>
                          {!managedByAdmin && key.status !== "retired" ? (
                            <div className="mt-3 space-y-3">
                              {key.source === "generated" && key.hasPrivateKey && !key.privateKeyDownloadedAt ? <DownloadPrivateKeyForm keyId={key.id} keyName={`key ${key.sha256}`} /> : null}
                              {key.privateKeyDownloadedAt ? <p className="text-xs text-slate-500">Private key downloaded on {key.privateKeyDownloadedAt.toISOString().slice(0, 10)}.</p> : null}
                              {!key.hasPrivateKey ? <AttachPrivateKeyForm keyId={key.id} keyName={`key ${key.sha256}`} /> : null}
                              <RetireKeyForm keyId={key.id} />
                            </div>
                          ) : null}
                        </li>
                      );
                    })}
                  </ul>
                  {!managedByAdmin ? (
                    <div className="mt-4 grid gap-4 lg:grid-cols-3">
                      <GenerateKeyForm accountId={account.id} bits={allowedGeneratedBits({ keyBitsMode: destination.keyBitsMode as "exact" | "min", keyBits: destination.keyBits })} payer={destination.name} />
                      <UploadPublicKeyForm accountId={account.id} payer={destination.name} />
                      <UploadPrivateKeyForm accountId={account.id} payer={destination.name} />
                    </div>
                  ) : null}
                </>
              ) : null}
            </section>
          );
        })}
      </div>
    </FreshAccessProvider>
  );
}
