"use client";

import Link from "next/link";
import { useActionState } from "react";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { registerAction } from "@/app/(auth)/actions";

export function RegisterForm() {
  const [state, formAction] = useActionState(registerAction, initialActionState);
  // The same answer whether or not the address had an account: the email says which it was.
  if (state.status === "ok") {
    return (
      <div className="space-y-4">
        <FormMessage state={state} />
        <Link href="/sign-in" className="inline-block text-sm font-medium text-brand-700 underline">
          Go to sign-in
        </Link>
      </div>
    );
  }
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormMessage state={state} />
      <fieldset className="space-y-4">
        <legend className="text-sm font-semibold text-slate-900">Organisation</legend>
        <Field name="organisationName" label="Organisation name" autoComplete="organization" required state={state} />
        <Field
          name="submitterId"
          label="Submitter / sender ID"
          required
          state={state}
          hint="The ID your payer issued to you; it appears as the sender ID (ISA06) in your claim files."
        />
      </fieldset>
      <fieldset className="space-y-4">
        <legend className="text-sm font-semibold text-slate-900">Contact</legend>
        <Field name="contactName" label="Contact name" autoComplete="name" required state={state} />
        <Field name="email" label="Email" type="email" autoComplete="email" required state={state} />
        <Field name="phone" label="Phone" type="tel" autoComplete="tel" required state={state} />
      </fieldset>
      <fieldset className="space-y-4">
        <legend className="text-sm font-semibold text-slate-900">Password</legend>
        <Field name="password" label="Password" type="password" autoComplete="new-password" required state={state} hint="At least 12 characters; common passwords are refused." />
        <Field name="confirmPassword" label="Confirm password" type="password" autoComplete="new-password" required state={state} />
      </fieldset>
      <SubmitButton>Register</SubmitButton>
    </form>
  );
}
