"use client";

import { useActionState } from "react";
import { ConfirmIdentity } from "@/components/confirm-identity";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { RecoveryCodes } from "@/components/recovery-codes";
import { initialActionState } from "@/lib/auth/action-state";
import {
  cancelTwoFactorAction,
  confirmTwoFactorAction,
  disableTwoFactorAction,
  regenerateRecoveryCodesAction,
  revokeOtherSessionsAction,
  revokeSessionAction,
  setOrganisationTwoFactorAction,
  startTwoFactorAction,
} from "@/app/account/security-actions";

export function StartTwoFactorForm({ needsProof }: { needsProof: boolean }) {
  const [state, formAction] = useActionState(startTwoFactorAction, initialActionState);
  return (
    <form action={formAction} className="space-y-3" aria-label="Set up two-factor sign-in">
      <FormMessage state={state} />
      <ConfirmIdentity state={state} needed={needsProof} />
      <SubmitButton>Set up two-factor sign-in</SubmitButton>
    </form>
  );
}

export function ConfirmTwoFactorForm() {
  const [state, formAction] = useActionState(confirmTwoFactorAction, initialActionState);
  const [cancelState, cancel] = useActionState(cancelTwoFactorAction, initialActionState);
  return (
    <div className="space-y-2">
      <form action={formAction} className="space-y-3" aria-label="Confirm two-factor sign-in">
        <FormMessage state={state} />
        <Field name="code" label="Code from your authenticator app" autoComplete="one-time-code" required state={state} />
        <SubmitButton>Turn on two-factor sign-in</SubmitButton>
      </form>
      <form action={cancel}>
        <FormMessage state={cancelState} />
        <SubmitButton variant="secondary">Cancel set-up</SubmitButton>
      </form>
    </div>
  );
}

export function RegenerateRecoveryCodesForm({ needsProof }: { needsProof: boolean }) {
  const [state, formAction] = useActionState(regenerateRecoveryCodesAction, initialActionState);
  const codes = state.status === "ok" ? state.data?.recoveryCodes?.split(" ") : undefined;
  return (
    <form action={formAction} className="space-y-3" aria-label="New recovery codes">
      <FormMessage state={state} />
      {codes ? (
        <RecoveryCodes codes={codes} label="Your new recovery codes" className="grid grid-cols-2 gap-1 rounded-md border border-amber-300 bg-amber-50 p-3 font-mono text-sm" />
      ) : null}
      <ConfirmIdentity state={state} needed={needsProof} />
      <SubmitButton variant="secondary">Create new recovery codes</SubmitButton>
    </form>
  );
}

export function DisableTwoFactorForm({ needsProof }: { needsProof: boolean }) {
  const [state, formAction] = useActionState(disableTwoFactorAction, initialActionState);
  return (
    <form action={formAction} className="space-y-3" aria-label="Turn off two-factor sign-in">
      <FormMessage state={state} />
      <ConfirmIdentity state={state} needed={needsProof} />
      <SubmitButton variant="danger">Turn off two-factor sign-in</SubmitButton>
    </form>
  );
}

export function OrganisationTwoFactorForm({ required }: { required: boolean }) {
  const [state, formAction] = useActionState(setOrganisationTwoFactorAction, initialActionState);
  return (
    <form action={formAction} className="space-y-2" aria-label="Organisation two-factor rule">
      <FormMessage state={state} />
      <input type="hidden" name="required" value={required ? "false" : "true"} />
      <p className="text-sm text-slate-700">
        {required ? "Everyone in your organisation must use two-factor sign-in." : "Two-factor sign-in is optional for your organisation's users."}
      </p>
      <SubmitButton variant="secondary">{required ? "Make it optional" : "Require it for everyone"}</SubmitButton>
    </form>
  );
}

export interface SessionView {
  handle: string;
  device: string;
  ip: string;
  startedAt: string;
  lastSeenAt: string;
  current: boolean;
}

const when = (iso: string) => iso.replace("T", " ").slice(0, 16) + " UTC";

export function SessionRow({ session }: { session: SessionView }) {
  const [state, formAction] = useActionState(revokeSessionAction, initialActionState);
  return (
    <li aria-label={`Session on ${session.device}`} className="flex flex-wrap items-center justify-between gap-3 py-2 text-sm">
      <div>
        <p>
          <span className="font-medium">{session.device}</span> · {session.ip}
          {session.current ? <span className="ml-2 rounded bg-green-100 px-1.5 py-0.5 text-xs text-green-900">This browser</span> : null}
        </p>
        <p className="text-xs text-slate-500">
          Started {when(session.startedAt)} · last seen {when(session.lastSeenAt)}
        </p>
        <FormMessage state={state} />
      </div>
      <form action={formAction}>
        <input type="hidden" name="session" value={session.handle} />
        <SubmitButton variant="secondary">Sign out</SubmitButton>
      </form>
    </li>
  );
}

export function SignOutOthersForm({ others }: { others: number }) {
  const [state, formAction] = useActionState(revokeOtherSessionsAction, initialActionState);
  return (
    <form action={formAction} className="space-y-2">
      <FormMessage state={state} />
      {others > 0 ? <SubmitButton variant="danger">Sign out all other sessions</SubmitButton> : <p className="text-sm text-slate-600">You are signed in only here.</p>}
    </form>
  );
}
