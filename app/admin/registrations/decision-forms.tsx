"use client";

import { useActionState } from "react";
import { FormMessage, SubmitButton, TextArea } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { approveRegistrationAction, rejectRegistrationAction } from "@/app/admin/actions";

export function DecisionForms({ organisationId, organisationName }: { organisationId: string; organisationName: string }) {
  const [approveState, approve] = useActionState(approveRegistrationAction, initialActionState);
  const [rejectState, reject] = useActionState(rejectRegistrationAction, initialActionState);
  // Once decided, the entry shows the outcome in place; it leaves the queue on the next visit.
  const decided = approveState.status === "ok" ? approveState : rejectState.status === "ok" ? rejectState : null;
  if (decided) {
    return (
      <div className="w-full max-w-sm">
        <FormMessage state={decided} />
      </div>
    );
  }
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
          <TextArea name="reason" label="Reason shown to the partner" required state={rejectState} />
          <SubmitButton variant="danger">Reject registration</SubmitButton>
        </form>
      </details>
    </div>
  );
}
