"use client";

import { useActionState } from "react";
import { FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { setDailySummaryAction } from "@/app/account/notification-actions";

/** The opt-in for the morning email; the button says what it will do. */
export function DailySummaryForm({ enabled, staff }: { enabled: boolean; staff: boolean }) {
  const [state, formAction] = useActionState(setDailySummaryAction, initialActionState);
  return (
    <form action={formAction} className="space-y-3" aria-label="Daily summary email">
      <FormMessage state={state} />
      <p className="text-sm text-slate-600">
        {staff
          ? "A morning email with the last 24 hours of transfers across all organisations: how many arrived, how many need attention, busiest first."
          : "A morning email with your organisation's transfers of the last 24 hours, and a link to each one that did not arrive."}
      </p>
      <p className="text-sm">
        Status: <strong>{enabled ? "you receive it" : "off"}</strong>
      </p>
      <input type="hidden" name="enabled" value={enabled ? "false" : "true"} />
      <SubmitButton variant="secondary">{enabled ? "Stop the daily summary" : "Send me the daily summary"}</SubmitButton>
    </form>
  );
}
