"use client";

import { useActionState } from "react";
import { FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { runDiagnosisAction } from "@/app/diagnoses/actions";

export interface RunDiagnosisFieldsProps {
  accountId: string;
  transferId?: string;
  label?: string;
  nextAllowedAt?: string | null;
  /** Names the account where a page holds one form per account, so each form's name is its own. */
  accountLabel?: string;
  /** Offer the write probe; support never gets it (the service refuses it too). */
  writeProbe: boolean;
}

export function RunDiagnosisFields({ accountId, transferId, label = "Test connection", nextAllowedAt, accountLabel, writeProbe }: RunDiagnosisFieldsProps) {
  const [state, action] = useActionState(runDiagnosisAction, initialActionState);
  return (
    <form action={action} className="space-y-2" aria-label={accountLabel ? `${label}: ${accountLabel}` : `${label} for account`}>
      <FormMessage state={state} />
      <input type="hidden" name="accountId" value={accountId} />
      {transferId ? <input type="hidden" name="transferId" value={transferId} /> : null}
      {writeProbe ? (
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="writeProbe" className="h-4 w-4" /> Also write and remove a small test file
        </label>
      ) : (
        <p className="text-sm text-slate-600">Support tests are read-only: they log in and list the folder, and write nothing on the payer&apos;s server.</p>
      )}
      {nextAllowedAt ? <p className="text-sm text-amber-800">Limit reached for now: the next test is allowed at {nextAllowedAt} UTC.</p> : null}
      <SubmitButton>{label}</SubmitButton>
      <p className="text-xs text-slate-500">Runs from the portal&apos;s relay server, step by step; each run logs in once (at most 3 runs per 10 minutes).</p>
    </form>
  );
}
