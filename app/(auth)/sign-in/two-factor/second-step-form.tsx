"use client";

import Link from "next/link";
import { useActionState } from "react";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { secondStepAction } from "@/app/(auth)/actions";

export function SecondStepForm({ enrolling }: { enrolling: boolean }) {
  const [state, formAction] = useActionState(secondStepAction, initialActionState);
  if (state.data?.restart) {
    return (
      <div className="space-y-3">
        <FormMessage state={state} />
        <Link href="/sign-in" className="font-medium text-brand-700 underline">
          Sign in again
        </Link>
      </div>
    );
  }
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormMessage state={state} />
      <Field
        name="code"
        label={enrolling ? "Code from your authenticator app" : "Authentication code"}
        autoComplete="one-time-code"
        required
        state={state}
        hint={enrolling ? "The 6 digits your app shows for this portal." : "6 digits from your app, or a recovery code like abcde-23456."}
      />
      <SubmitButton>{enrolling ? "Confirm and sign in" : "Verify"}</SubmitButton>
    </form>
  );
}
