"use client";

import { useActionState } from "react";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { signInAction } from "@/app/(auth)/actions";

export function SignInForm() {
  const [state, formAction] = useActionState(signInAction, initialActionState);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormMessage state={state} />
      <Field name="email" label="Email" type="email" autoComplete="username" required state={state} />
      <Field name="password" label="Password" type="password" autoComplete="current-password" required state={state} />
      <SubmitButton>Sign in</SubmitButton>
    </form>
  );
}
