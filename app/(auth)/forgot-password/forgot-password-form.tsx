"use client";

import { useActionState } from "react";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { requestPasswordResetAction } from "@/app/(auth)/password-reset-actions";

export function ForgotPasswordForm() {
  const [state, formAction] = useActionState(requestPasswordResetAction, initialActionState);
  return (
    <form action={formAction} className="space-y-4" noValidate aria-label="Request a password reset">
      <FormMessage state={state} />
      <Field name="email" label="Email" type="email" autoComplete="username" required state={state} />
      <SubmitButton>Email me a reset link</SubmitButton>
    </form>
  );
}
