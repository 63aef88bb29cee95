"use client";

import { useActionState } from "react";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { completePasswordResetAction } from "@/app/(auth)/password-reset-actions";

export function ResetPasswordForm({ token }: { token: string }) {
  const [state, formAction] = useActionState(completePasswordResetAction, initialActionState);
  return (
    <form action={formAction} className="space-y-4" noValidate aria-label="Choose a new password">
      <FormMessage state={state} />
      <input type="hidden" name="token" value={token} />
      <Field name="newPassword" label="New password" type="password" autoComplete="new-password" required state={state} hint="At least 12 characters; common passwords are refused." />
      <Field name="confirmPassword" label="Confirm new password" type="password" autoComplete="new-password" required state={state} />
      <SubmitButton>Set new password</SubmitButton>
    </form>
  );
}
