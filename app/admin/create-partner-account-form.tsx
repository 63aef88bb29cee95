"use client";

import { useActionState } from "react";
import { Field, FormMessage, SelectField, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { createPartnerAccountAction } from "@/app/admin/destinations/actions";

type Side = "organisationId" | "destinationId";

/**
 * An organisation's login on a destination. Opened from one side (the organisation's page or the
 * destination's), it fixes that side and offers the other as a choice.
 */
export function CreatePartnerAccountForm({
  fixed,
  choice,
}: {
  fixed: { name: Side; value: string };
  choice: { name: Side; label: string; options: Array<{ id: string; name: string }> };
}) {
  const [state, create] = useActionState(createPartnerAccountAction, initialActionState);
  return (
    <form action={create} className="grid gap-3 sm:grid-cols-4" aria-label="Create partner account">
      <input type="hidden" name={fixed.name} value={fixed.value} />
      <div className="sm:col-span-4">
        <FormMessage state={state} />
      </div>
      <SelectField name={choice.name} label={choice.label} state={state} options={[{ value: "", label: "Choose…" }, ...choice.options.map((o) => ({ value: o.id, label: o.name }))]} />
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
