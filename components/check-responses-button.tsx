"use client";

import { useActionState } from "react";
import { FormMessage, SubmitButton } from "@/components/form";
import { initialActionState, type ActionState } from "@/lib/auth/action-state";

export type CheckResponsesAction = (state: ActionState, formData: FormData) => Promise<ActionState>;

/**
 * Brings the account's next look into the payer's response folder forward; the result shows on the
 * account's status. The page hands in the server action (app/responses/poll-actions.ts).
 */
export function CheckResponsesButton({ action, accountId, label }: { action: CheckResponsesAction; accountId: string; label: string }) {
  const [state, check] = useActionState(action, initialActionState);
  return (
    <form action={check} className="space-y-2" aria-label={`Check for responses now: ${label}`}>
      <input type="hidden" name="accountId" value={accountId} />
      <SubmitButton variant="secondary">Check for responses now</SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}
