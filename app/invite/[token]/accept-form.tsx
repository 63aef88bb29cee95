"use client";

import { useActionState } from "react";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { acceptInvitationAction } from "@/app/invite/[token]/actions";

export function AcceptInvitationForm({ token }: { token: string }) {
  const [state, formAction] = useActionState(acceptInvitationAction, initialActionState);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormMessage state={state} />
      <input type="hidden" name="token" value={token} />
      <Field name="name" label="Your name" autoComplete="name" required state={state} />
      <Field name="password" label="Password" type="password" autoComplete="new-password" required state={state} hint="At least 12 characters; common passwords are refused." />
      <Field name="confirmPassword" label="Confirm password" type="password" autoComplete="new-password" required state={state} />
      <SubmitButton>Create account</SubmitButton>
    </form>
  );
}
