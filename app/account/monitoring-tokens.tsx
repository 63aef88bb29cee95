"use client";

import { useActionState } from "react";
import { ConfirmIdentity } from "@/components/confirm-identity";
import { CopyButton } from "@/components/copy-button";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { createMonitoringTokenAction, revokeMonitoringTokenAction } from "@/app/account/monitoring-token-actions";

export interface MonitoringTokenView {
  id: string;
  name: string;
  prefix: string;
  ownerEmail: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const day = (iso: string) => iso.replace("T", " ").slice(0, 16) + " UTC";

export function CreateMonitoringTokenForm({ needsPassword }: { needsPassword: boolean }) {
  const [state, formAction] = useActionState(createMonitoringTokenAction, initialActionState);
  const token = state.status === "ok" ? state.data?.token : undefined;
  return (
    <form action={formAction} className="space-y-3" aria-label="Create a monitoring token">
      <FormMessage state={state} />
      {token ? (
        <div className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3">
          <p className="break-all font-mono text-xs" aria-label="New monitoring token">
            {token}
          </p>
          <CopyButton text={token} label="Copy token" />
        </div>
      ) : null}
      <Field name="name" label="Monitoring token name" required state={state} hint="The system that polls, e.g. “Prometheus”." />
      <ConfirmIdentity state={state} needed={needsPassword} />
      <SubmitButton>Create monitoring token</SubmitButton>
    </form>
  );
}

export function MonitoringTokenRow({ token }: { token: MonitoringTokenView }) {
  const [state, formAction] = useActionState(revokeMonitoringTokenAction, initialActionState);
  return (
    <li aria-label={`Monitoring token ${token.name}`} className="flex items-center justify-between gap-3 py-2 text-sm">
      <div>
        <p>
          <span className="font-medium">{token.name}</span> <code className="text-xs">{token.prefix}…</code>
        </p>
        <p className="text-xs text-slate-500">
          {token.ownerEmail} · created {day(token.createdAt)} · {token.lastUsedAt ? `last used ${day(token.lastUsedAt)}` : "never used"}
        </p>
        <FormMessage state={state} />
      </div>
      <form action={formAction}>
        <input type="hidden" name="tokenId" value={token.id} />
        <SubmitButton variant="danger">Revoke</SubmitButton>
      </form>
    </li>
  );
}
