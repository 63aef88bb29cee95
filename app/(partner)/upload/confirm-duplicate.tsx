"use client";

import { useActionState } from "react";
import { initialActionState } from "@/lib/auth/action-state";
import { confirmDuplicateAction } from "@/app/(partner)/upload/actions";

/**
 * A held file (a duplicate, or an X12 mode or sender mismatch): "Send anyway" or "Don't send".
 * `fileName` names the form where a page may hold several (the upload page), so each name is its own.
 */
export function ConfirmDuplicate({ transferId, fileName }: { transferId: string; fileName?: string }) {
  const [state, action] = useActionState(confirmDuplicateAction, initialActionState);
  if (state.status === "ok") return <p role="status" className="text-sm text-green-800">{state.message}</p>;
  return (
    <form action={action} className="mt-2 flex flex-wrap items-center gap-2" aria-label={fileName ? `Send or hold back this file: ${fileName}` : "Send or hold back this file"}>
      {state.status === "error" ? <p role="alert" className="text-sm text-red-800">{state.message}</p> : null}
      <input type="hidden" name="transferId" value={transferId} />
      <button name="decision" value="send" className="rounded-md bg-brand-600 px-3 py-1 text-sm font-semibold text-white">
        Send anyway
      </button>
      <button name="decision" value="cancel" className="rounded-md border border-slate-300 px-3 py-1 text-sm">
        Don&apos;t send
      </button>
    </form>
  );
}
