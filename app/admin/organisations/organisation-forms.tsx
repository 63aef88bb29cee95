"use client";

import { useActionState } from "react";
import { Field, FormMessage, SelectField, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { createPartnerAccountAction } from "../destinations/actions";
import { invitePartnerUserAction } from "../actions";

export function InvitePartnerUserForm({ organisationId }: { organisationId: string }) {
  const [state, formAction] = useActionState(invitePartnerUserAction, initialActionState);
  return (
    <form action={formAction} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" aria-label="Invite a user">
      <h3 className="font-medium">Invite a user to this organisation</h3>
      <FormMessage state={state} />
      {state.data?.inviteLink ? (
        <p className="break-all rounded bg-slate-100 p-2 font-mono text-xs" aria-label="Invitation link">
          {state.data.inviteLink}
        </p>
      ) : null}
      <input type="hidden" name="organisationId" value={organisationId} />
      <Field name="email" label="Email" type="email" required state={state} />
      <div className="flex items-center gap-2 text-sm">
        <input id="invite-org-admin" type="checkbox" name="orgAdmin" defaultChecked={state.values?.orgAdmin === "on"} />
        <label htmlFor="invite-org-admin">Organisation admin (may invite colleagues)</label>
      </div>
      <SubmitButton>Email an invitation</SubmitButton>
    </form>
  );
}

export function CreateOrganisationAccountForm({ organisationId, destinations }: { organisationId: string; destinations: Array<{ id: string; name: string }> }) {
  const [state, create] = useActionState(createPartnerAccountAction, initialActionState);
  return (
    <form action={create} className="grid gap-3 sm:grid-cols-4" aria-label="Create partner account">
      <input type="hidden" name="organisationId" value={organisationId} />
      <div className="sm:col-span-4">
        <FormMessage state={state} />
      </div>
      <SelectField name="destinationId" label="Destination" state={state} options={[{ value: "", label: "Choose…" }, ...destinations.map((d) => ({ value: d.id, label: d.name }))]} />
      <Field name="username" label="Upstream user name" state={state} />
      <SelectField
        name="secretsSetBy"
        label="Password and key set by"
        state={state}
        options={[
          { value: "partner", label: "The partner" },
          { value: "admin", label: "An administrator" },
        ]}
      />
      <div className="self-end">
        <SubmitButton>Create account</SubmitButton>
      </div>
    </form>
  );
}
