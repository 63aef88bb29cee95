"use client";

import { useActionState } from "react";
import { ConfirmIdentity } from "@/components/confirm-identity";
import { CopyButton } from "@/components/copy-button";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { createApiTokenAction, revokeApiTokenAction } from "@/app/account/api-token-actions";

export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const day = (iso: string) => iso.replace("T", " ").slice(0, 16) + " UTC";

export function CreateApiTokenForm({ needsPassword }: { needsPassword: boolean }) {
  const [state, formAction] = useActionState(createApiTokenAction, initialActionState);
  const token = state.status === "ok" ? state.data?.token : undefined;
  return (
    <form action={formAction} className="space-y-3" aria-label="Create an API token">
      <FormMessage state={state} />
      {token ? (
        <div className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3">
          <p className="break-all font-mono text-xs" aria-label="New API token">
            {token}
          </p>
          <CopyButton text={token} label="Copy token" />
        </div>
      ) : null}
      <p className="text-xs text-slate-600">
        A token works until you revoke it, or until your password changes: changing your password, resetting it with “Forgot your password?”, or an
        administrator&apos;s forced reset revokes all your API tokens. Create new ones afterwards and update your systems.
      </p>
      <Field name="name" label="Token name" required state={state} hint="Where it is used, e.g. “billing export job”." />
      <ConfirmIdentity state={state} needed={needsPassword} />
      <SubmitButton>Create token</SubmitButton>
    </form>
  );
}

export function ApiTokenRow({ token, needsPassword }: { token: ApiTokenView; needsPassword: boolean }) {
  const [state, formAction] = useActionState(revokeApiTokenAction, initialActionState);
  return (
    <li aria-label={`API token ${token.name}`} className="flex items-center justify-between gap-3 py-2 text-sm">
      <div>
        <p>
          <span className="font-medium">{token.name}</span> <code className="text-xs">{token.prefix}…</code>
        </p>
        <p className="text-xs text-slate-500">
          Created {day(token.createdAt)} · {token.lastUsedAt ? `last used ${day(token.lastUsedAt)}` : "never used"}
        </p>
        <FormMessage state={state} />
      </div>
      <form action={formAction} className="space-y-2">
        <input type="hidden" name="tokenId" value={token.id} />
        <ConfirmIdentity state={state} needed={needsPassword} />
        <SubmitButton variant="danger">Revoke</SubmitButton>
      </form>
    </li>
  );
}
