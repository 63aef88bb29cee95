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
      {/* Only while the account asks for more than the password (many failed attempts from elsewhere). */}
      {state.data?.askCode || state.fieldErrors?.code ? (
        <Field name="code" label="Code from your authenticator app" autoComplete="one-time-code" state={state} hint="6 digits from your app, or a recovery code like abcde-23456." />
      ) : null}
      <SubmitButton>Sign in</SubmitButton>
    </form>
  );
}
