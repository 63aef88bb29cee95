"use client";

import { useActionState } from "react";
import { FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { resendTransferAction } from "@/app/transfers/actions";

/** The partner's "Send again": the staged copy goes back to the relay, no new upload. */
export function ResendForm({ transferId }: { transferId: string }) {
  const [state, action] = useActionState(resendTransferAction, initialActionState);
  return (
    <form action={action} className="space-y-3" aria-label="Send this transfer again">
      <FormMessage state={state} />
      <input type="hidden" name="transferId" value={transferId} />
      {state.status === "ok" ? null : <SubmitButton>Send again</SubmitButton>}
    </form>
  );
}
