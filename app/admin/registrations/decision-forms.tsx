"use client";

import { useActionState, useId } from "react";
import { FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { approveRegistrationAction, rejectRegistrationAction } from "@/app/admin/actions";

export function DecisionForms({ organisationId, organisationName }: { organisationId: string; organisationName: string }) {
  const [approveState, approve] = useActionState(approveRegistrationAction, initialActionState);
  const [rejectState, reject] = useActionState(rejectRegistrationAction, initialActionState);
  // One id per entry: the queue shows several registrations, each with its own reason box.
  const reasonId = useId();
  const reasonError = rejectState.fieldErrors?.reason;
  // A decision leads elsewhere (approve: the organisation's partner accounts; reject: the queue
  // again, with a confirmation at its top): only refusals come back to this form.
  return (
    <div className="w-full max-w-sm space-y-3">
      <FormMessage state={approveState} />
      <form action={approve} aria-label={`Approve ${organisationName}`}>
        <input type="hidden" name="organisationId" value={organisationId} />
        <SubmitButton>Approve</SubmitButton>
      </form>
      <details className="rounded-md border border-slate-200 p-3">
        <summary className="cursor-pointer text-sm font-medium">Reject…</summary>
        <form action={reject} className="mt-3 space-y-3" aria-label={`Reject ${organisationName}`}>
          <FormMessage state={rejectState} />
          <input type="hidden" name="organisationId" value={organisationId} />
          <div className="space-y-1">
            <label htmlFor={reasonId} className="block text-sm font-medium text-slate-800">
              Reason shown to the partner
            </label>
            <textarea
              id={reasonId}
              name="reason"
              rows={3}
              required
              defaultValue={rejectState.values?.reason}
              aria-invalid={reasonError ? true : undefined}
              aria-describedby={reasonError ? `${reasonId}-error` : undefined}
              className={`block w-full rounded-md border px-3 py-2 text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-100 ${reasonError ? "border-red-500" : "border-slate-300"}`}
            />
            {reasonError ? (
              <p id={`${reasonId}-error`} className="text-sm text-red-700">
                {reasonError}
              </p>
            ) : null}
          </div>
          <SubmitButton variant="danger">Reject registration</SubmitButton>
        </form>
      </details>
    </div>
  );
}
