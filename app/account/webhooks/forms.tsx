"use client";

import { useActionState } from "react";
import { ConfirmIdentity } from "@/components/confirm-identity";
import { CopyButton } from "@/components/copy-button";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { createWebhookAction, deleteWebhookAction, sendTestEventAction, setWebhookDisabledAction } from "@/app/account/webhooks/actions";

const eventChoices = [
  { name: "eventDelivered", label: "transfer.delivered — a file arrived at the payer" },
  { name: "eventNeedsAttention", label: "transfer.needs_attention — a file stopped and needs someone" },
  { name: "eventFailed", label: "transfer.failed — a file could not be delivered after every retry" },
  { name: "eventAccepted", label: "transfer.accepted — the payer accepted a file" },
  { name: "eventRejected", label: "transfer.rejected — the payer rejected a file or some of its claims" },
  { name: "eventResponseReceived", label: "response.received — a payer file that answers nothing sent here (an 835, a report)" },
];

export function CreateWebhookForm({ organisationId, needsPassword }: { organisationId: string; needsPassword: boolean }) {
  const [state, formAction] = useActionState(createWebhookAction, initialActionState);
  const secret = state.status === "ok" ? state.data?.secret : undefined;
  const eventError = state.fieldErrors?.events;
  return (
    <form action={formAction} className="space-y-3" aria-label="Add a webhook">
      <FormMessage state={state} />
      {secret ? (
        <div className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3">
          <p className="text-sm">Signing secret (store it with your receiver; it is not shown again):</p>
          <p className="break-all font-mono text-xs" aria-label="New signing secret">
            {secret}
          </p>
          <CopyButton text={secret} label="Copy secret" />
        </div>
      ) : null}
      <input type="hidden" name="organisationId" value={organisationId} />
      <Field name="url" label="Receiver URL" type="url" required state={state} placeholder="https://hooks.example.com/edi-portal" hint="HTTPS only, on a public address. Redirects are not followed." />
      <Field name="description" label="Description (optional)" state={state} hint="What receives it, e.g. “billing system”." />
      <fieldset className="space-y-1" aria-describedby={eventError ? "events-error" : undefined}>
        <legend className="text-sm font-medium text-slate-800">Events to send</legend>
        {eventChoices.map((choice) => (
          <label key={choice.name} className="flex items-center gap-2 text-sm">
            <input type="checkbox" name={choice.name} defaultChecked={state.status === "error" ? state.values?.[choice.name] === "on" : true} />
            {choice.label}
          </label>
        ))}
        {eventError ? (
          <p id="events-error" className="text-sm text-red-700">
            {eventError}
          </p>
        ) : null}
      </fieldset>
      <ConfirmIdentity state={state} needed={needsPassword} />
      <SubmitButton>Add webhook</SubmitButton>
    </form>
  );
}

export function WebhookControls({ webhookId, url, disabled }: { webhookId: string; url: string; disabled: boolean }) {
  const [testState, testAction] = useActionState(sendTestEventAction, initialActionState);
  const [toggleState, toggleAction] = useActionState(setWebhookDisabledAction, initialActionState);
  const [deleteState, deleteAction] = useActionState(deleteWebhookAction, initialActionState);
  return (
    <div className="space-y-2">
      <FormMessage state={testState} />
      <FormMessage state={toggleState} />
      <FormMessage state={deleteState} />
      <div className="flex flex-wrap gap-2">
        <form action={testAction} aria-label={`Send a test event to ${url}`}>
          <input type="hidden" name="webhookId" value={webhookId} />
          <SubmitButton variant="secondary">Send test event</SubmitButton>
        </form>
        <form action={toggleAction}>
          <input type="hidden" name="webhookId" value={webhookId} />
          <input type="hidden" name="disabled" value={disabled ? "false" : "true"} />
          <SubmitButton variant="secondary">{disabled ? "Enable" : "Disable"}</SubmitButton>
        </form>
        <form action={deleteAction}>
          <input type="hidden" name="webhookId" value={webhookId} />
          <SubmitButton variant="danger">Delete</SubmitButton>
        </form>
      </div>
    </div>
  );
}
