"use client";

import { useActionState } from "react";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import type { SafeUser } from "@/lib/organisations/users";
import { changePasswordAction, inviteColleagueAction, setColleagueDisabledAction } from "@/app/account/actions";

export function ChangePasswordForm() {
  const [state, formAction] = useActionState(changePasswordAction, initialActionState);
  return (
    <form action={formAction} className="space-y-3" noValidate>
      <FormMessage state={state} />
      <Field name="currentPassword" label="Current password" type="password" autoComplete="current-password" required state={state} />
      <Field name="newPassword" label="New password" type="password" autoComplete="new-password" required state={state} hint="At least 12 characters. Changing it signs you out everywhere." />
      <Field name="confirmPassword" label="Confirm new password" type="password" autoComplete="new-password" required state={state} />
      <SubmitButton>Change password</SubmitButton>
    </form>
  );
}

export function InviteColleagueForm() {
  const [state, formAction] = useActionState(inviteColleagueAction, initialActionState);
  return (
    <form action={formAction} className="space-y-3" aria-label="Invite a colleague">
      <FormMessage state={state} />
      <Field name="email" label="Colleague's email" type="email" required state={state} />
      <SubmitButton>Email an invitation</SubmitButton>
    </form>
  );
}

export function ColleagueRow({ user, manageable }: { user: SafeUser; manageable: boolean }) {
  const [state, formAction] = useActionState(setColleagueDisabledAction, initialActionState);
  return (
    <li className="flex items-center justify-between gap-3 py-2 text-sm">
      <div>
        <p>
          {user.name} <span className="text-slate-500">· {user.email}</span>
          {user.isOrgAdmin ? <span className="ml-2 rounded bg-slate-100 px-1.5 text-xs">org admin</span> : null}
          {user.disabledAt ? <span className="ml-2 rounded bg-red-100 px-1.5 text-xs text-red-900">disabled</span> : null}
        </p>
        <FormMessage state={state} />
      </div>
      {manageable ? (
        <form action={formAction}>
          <input type="hidden" name="userId" value={user.id} />
          <input type="hidden" name="disabled" value={user.disabledAt ? "false" : "true"} />
          <SubmitButton variant="secondary">{user.disabledAt ? "Enable" : "Disable"}</SubmitButton>
        </form>
      ) : null}
    </li>
  );
}
