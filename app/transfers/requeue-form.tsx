"use client";

import { useActionState } from "react";
import { FormMessage, SubmitButton, TextArea } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { requeueTransferAction } from "@/app/transfers/actions";

export function RequeueForm({ transferId }: { transferId: string }) {
  const [state, action] = useActionState(requeueTransferAction, initialActionState);
  return (
    <form action={action} className="max-w-xl space-y-3" aria-label="Re-queue this transfer">
      <FormMessage state={state} />
      <input type="hidden" name="transferId" value={transferId} />
      <TextArea name="reason" label="Reason for re-queueing" state={state} required hint="Shown to the partner with this transfer, and kept in the audit log." />
      <SubmitButton>Re-queue transfer</SubmitButton>
    </form>
  );
}
