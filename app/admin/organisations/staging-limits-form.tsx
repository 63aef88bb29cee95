"use client";

import { useActionState } from "react";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { setStagingLimitsAction } from "@/app/admin/organisations/quota-actions";

const MiB = 1024 * 1024;

/** An admin's form for an organisation's staging quota and unfinished-upload limit; empty fields mean the defaults (audited). */
export function StagingLimitsForm({
  organisationId,
  own,
  defaults,
}: {
  organisationId: string;
  own: { stagingQuotaBytes: number | null; maxUnfinishedUploads: number | null };
  defaults: { stagingQuotaBytes: number; maxUnfinishedUploads: number };
}) {
  const [state, formAction] = useActionState(setStagingLimitsAction, initialActionState);
  const defaultMib = Math.round(defaults.stagingQuotaBytes / MiB);
  return (
    <form action={formAction} className="grid max-w-xl gap-3 sm:grid-cols-2" aria-label="Upload limits">
      <input type="hidden" name="organisationId" value={organisationId} />
      <Field
        name="stagingQuotaMib"
        label="Staging quota (MiB)"
        type="number"
        state={state}
        defaultValue={own.stagingQuotaBytes === null ? "" : String(Math.round(own.stagingQuotaBytes / MiB))}
        placeholder={`default ${defaultMib}`}
        hint="Empty: the portal's default."
      />
      <Field
        name="maxUnfinishedUploads"
        label="Unfinished uploads at once"
        type="number"
        state={state}
        defaultValue={own.maxUnfinishedUploads === null ? "" : String(own.maxUnfinishedUploads)}
        placeholder={`default ${defaults.maxUnfinishedUploads}`}
        hint="Empty: the portal's default."
      />
      <div className="flex flex-wrap items-center gap-3 sm:col-span-2">
        <SubmitButton variant="secondary">Save upload limits</SubmitButton>
        <FormMessage state={state} />
      </div>
    </form>
  );
}
