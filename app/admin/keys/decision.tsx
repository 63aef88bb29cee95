"use client";

import { useActionState } from "react";
import { FormMessage, SubmitButton, TextArea } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { approveKeyAction, rejectKeyAction } from "@/app/admin/keys/actions";

export function KeyDecision({ keyId }: { keyId: string }) {
  const [approved, approve] = useActionState(approveKeyAction, initialActionState);
  const [rejected, reject] = useActionState(rejectKeyAction, initialActionState);
  const decided = approved.status === "ok" ? approved : rejected.status === "ok" ? rejected : null;
  if (decided) return <FormMessage state={decided} />;
  return (
    <div className="space-y-3">
      <FormMessage state={approved} />
      <form action={approve}>
        <input type="hidden" name="keyId" value={keyId} />
        <SubmitButton>Installed on the payer&apos;s server</SubmitButton>
      </form>
      <details className="rounded-md border border-slate-200 p-3">
        <summary className="cursor-pointer text-sm font-medium">Reject…</summary>
        <form action={reject} className="mt-3 space-y-3">
          <FormMessage state={rejected} />
          <input type="hidden" name="keyId" value={keyId} />
          <TextArea name="reason" label="Reason shown to the partner" state={rejected} />
          <SubmitButton variant="danger">Reject key</SubmitButton>
        </form>
      </details>
    </div>
  );
}
