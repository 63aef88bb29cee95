"use client";

import type { ActionState } from "@/lib/auth/action-state";
import { Field } from "@/components/form";

/**
 * The fresh-authentication prompt of sensitive forms: the portal password, or instead a current
 * code from the authenticator app. Shown when the server says the last proof is over 5 minutes
 * old, or when the action asked for it.
 */
export function ConfirmIdentity({ state, needed }: { state: ActionState; needed: boolean }) {
  if (!needed && !state.fieldErrors?.currentPassword && !state.fieldErrors?.totpCode) return null;
  return (
    <fieldset className="space-y-2 rounded-md border border-slate-200 p-3">
      <legend className="px-1 text-xs text-slate-600">Confirm it is you (you signed in more than 5 minutes ago)</legend>
      <Field name="currentPassword" label="Your portal password" type="password" autoComplete="current-password" state={state} />
      <Field
        name="totpCode"
        label="Or a code from your authenticator app"
        autoComplete="one-time-code"
        state={state}
        hint="Only if you use two-factor sign-in."
      />
    </fieldset>
  );
}
