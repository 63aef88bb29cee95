"use client";

import { useActionState } from "react";
import { FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { setOrganisationTwoFactorRuleAction } from "@/app/admin/users/two-factor-actions";

/** An admin's switch for an organisation's "everyone uses two-factor" rule (audited). */
export function OrganisationTwoFactorRule({ organisationId, required }: { organisationId: string; required: boolean }) {
  const [state, formAction] = useActionState(setOrganisationTwoFactorRuleAction, initialActionState);
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-3" aria-label="Two-factor rule">
      <input type="hidden" name="organisationId" value={organisationId} />
      <input type="hidden" name="required" value={required ? "false" : "true"} />
      <span className="text-sm text-slate-700">{required ? "Two-factor sign-in is required for all users." : "Two-factor sign-in is optional."}</span>
      <SubmitButton variant="secondary">{required ? "Make it optional" : "Require two-factor"}</SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}
