"use client";

import { useActionState } from "react";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { InviteLinkNotice } from "@/app/admin/organisations/invite-link-notice";
import { inviteStaffAction } from "@/app/admin/actions";

export function InviteStaffForm() {
  const [state, formAction] = useActionState(inviteStaffAction, initialActionState);
  return (
    <form action={formAction} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" aria-label="Invite staff">
      <h3 className="font-medium">Invite an administrator or support person</h3>
      <FormMessage state={state} />
      <InviteLinkNotice state={state} />
      <Field name="email" label="Email" type="email" required state={state} />
      <div className="space-y-1">
        <label htmlFor="staff-role" className="block text-sm font-medium">
          Role
        </label>
        <select id="staff-role" name="role" defaultValue={state.values?.role ?? "support"} className="rounded-md border border-slate-300 px-2 py-2 text-sm">
          <option value="support">Support (read-only)</option>
          <option value="admin">Administrator</option>
        </select>
        {state.fieldErrors?.role ? <p className="text-sm text-red-700">{state.fieldErrors.role}</p> : null}
      </div>
      <SubmitButton>Create invitation</SubmitButton>
    </form>
  );
}
