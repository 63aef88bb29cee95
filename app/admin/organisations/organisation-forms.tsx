"use client";

import { useActionState } from "react";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { InviteLinkNotice } from "@/app/admin/organisations/invite-link-notice";
import { invitePartnerUserAction } from "@/app/admin/actions";

export function InvitePartnerUserForm({ organisationId }: { organisationId: string }) {
  const [state, formAction] = useActionState(invitePartnerUserAction, initialActionState);
  return (
    <form action={formAction} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" aria-label="Invite a user">
      <h3 className="font-medium">Invite a user to this organisation</h3>
      <FormMessage state={state} />
      <InviteLinkNotice state={state} />
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
