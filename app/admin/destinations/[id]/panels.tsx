"use client";

import Link from "next/link";
import { useActionState } from "react";
import { Field, FormMessage, SelectField, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import {
  fetchIdentityAction,
  pinFingerprintAction,
  sendTestFileAction,
  setAccountPasswordAction,
  setDestinationDisabledAction,
  unpinFingerprintAction,
} from "@/app/admin/destinations/actions";

const identityLabels: Record<string, string> = {
  algorithm: "Key type",
  sha256: "SHA-256 fingerprint",
  md5: "MD5 fingerprint",
  banner: "Server banner",
  subject: "Subject",
  issuer: "Issuer",
  subjectAltNames: "Names (SAN)",
  validFrom: "Valid from",
  validTo: "Valid to",
  host: "Configured host",
  namesMatch: "Names cover the host",
  trustedByCa: "Trusted by a CA",
};

export function IdentityReview({ destinationId }: { destinationId: string }) {
  const [state, fetchIdentity] = useActionState(fetchIdentityAction, initialActionState);
  const [pinState, pin] = useActionState(pinFingerprintAction, initialActionState);
  const identity = state.status === "ok" ? state.data : undefined;
  return (
    <div className="space-y-3">
      <form action={fetchIdentity}>
        <input type="hidden" name="destinationId" value={destinationId} />
        <SubmitButton variant="secondary">Fetch and review</SubmitButton>
      </form>
      <FormMessage state={state} />
      {identity ? (
        <div className="rounded-md border border-slate-200 p-3" aria-label="Presented identity">
          <dl className="grid grid-cols-[auto_minmax(0,1fr)] [overflow-wrap:anywhere] gap-x-4 gap-y-1 text-sm">
            {Object.entries(identityLabels)
              .filter(([key]) => identity[key])
              .map(([key, label]) => (
                <div key={key} className="contents">
                  <dt className="text-slate-500">{label}</dt>
                  <dd className="break-all font-mono text-xs">{identity[key]}</dd>
                </div>
              ))}
          </dl>
          {identity.namesExplanation ? (
            identity.namesMatch === "no" ? (
              <div role="note" aria-label="Certificate names" className="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
                <p className="font-semibold">The certificate&apos;s names do not match {identity.host}</p>
                <p className="mt-1">{identity.namesExplanation}</p>
              </div>
            ) : (
              <p className="mt-3 text-sm text-slate-600">{identity.namesExplanation}</p>
            )
          ) : null}
          {identity.kind === "tls-certificate" && pinState.status !== "ok" ? (
            <p className="mt-3 text-sm">
              {identity.tlsMode === "pinned"
                ? "This destination uses pinned verification: pinning adds this certificate to the accepted ones."
                : "Pinning switches this destination from CA verification to pinned verification in the same step: deliveries then accept only this certificate, whatever its issuer or names."}
            </p>
          ) : null}
          <form action={pin} className="mt-3">
            <input type="hidden" name="destinationId" value={destinationId} />
            <input type="hidden" name="fingerprint" value={identity.sha256} />
            <SubmitButton>Pin this {identity.kind === "ssh-host-key" ? "host key" : "certificate"}</SubmitButton>
          </form>
          <FormMessage state={pinState} />
        </div>
      ) : null}
    </div>
  );
}

export function ManualPin({ destinationId, kind }: { destinationId: string; kind: "ssh" | "tls" }) {
  const [state, pin] = useActionState(pinFingerprintAction, initialActionState);
  return (
    <form action={pin} className="space-y-2" aria-label="Pin a published fingerprint">
      <input type="hidden" name="destinationId" value={destinationId} />
      <Field
        name="fingerprint"
        label={kind === "ssh" ? "Or pin a fingerprint the payer published (SHA256:…)" : "Or pin a certificate SHA-256 the payer published"}
        state={state}
      />
      <SubmitButton variant="secondary">Pin fingerprint</SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}

export function PinnedFingerprint({ destinationId, fingerprint }: { destinationId: string; fingerprint: string }) {
  const [state, unpin] = useActionState(unpinFingerprintAction, initialActionState);
  return (
    <li className="flex items-center justify-between gap-3 py-1">
      <code className="break-all text-xs">{fingerprint}</code>
      <form action={unpin}>
        <input type="hidden" name="destinationId" value={destinationId} />
        <input type="hidden" name="fingerprint" value={fingerprint} />
        <SubmitButton variant="secondary">Remove</SubmitButton>
      </form>
      <FormMessage state={state} />
    </li>
  );
}

export function DisableToggle({ destinationId, disabled }: { destinationId: string; disabled: boolean }) {
  const [state, toggle] = useActionState(setDestinationDisabledAction, initialActionState);
  return (
    <form action={toggle} className="flex items-center gap-3">
      <input type="hidden" name="destinationId" value={destinationId} />
      <input type="hidden" name="disabled" value={disabled ? "false" : "true"} />
      <SubmitButton variant={disabled ? "secondary" : "danger"}>{disabled ? "Enable destination" : "Disable destination"}</SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}

export function AccountPasswordForm({ accountId, destinationId, username }: { accountId: string; destinationId: string; username: string }) {
  const [state, save] = useActionState(setAccountPasswordAction, initialActionState);
  return (
    <form action={save} className="flex flex-wrap items-end gap-2" aria-label={`Password for ${username}`}>
      <input type="hidden" name="accountId" value={accountId} />
      <input type="hidden" name="destinationId" value={destinationId} />
      <Field name="upstreamPassword" label={`Upstream password for ${username}`} type="password" autoComplete="off" state={state} />
      <SubmitButton variant="secondary">Store password</SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}

export function TestFileForm({ destinationId, accounts, suggestedName }: { destinationId: string; accounts: Array<{ id: string; label: string }>; suggestedName: string }) {
  const [state, send] = useActionState(sendTestFileAction, initialActionState);
  return (
    <form action={send} className="space-y-3" aria-label="Send test file">
      <FormMessage state={state} />
      {state.data?.transferId ? (
        <Link href={`/transfers/${state.data.transferId}`} className="text-sm text-brand-700 underline">
          Open the transfer and its transcript
        </Link>
      ) : null}
      <input type="hidden" name="destinationId" value={destinationId} />
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField name="partnerAccountId" label="Send as" state={state} options={accounts.map((a) => ({ value: a.id, label: a.label }))} />
        <Field name="remoteName" label="File name" state={state} defaultValue={suggestedName} />
      </div>
      <SubmitButton>Send test file</SubmitButton>
    </form>
  );
}
