"use client";

import { useActionState } from "react";
import { FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import { resetTwoFactorAction } from "@/app/admin/users/two-factor-actions";

/**
 * Self-contained: place it in any admin user row. When the user has two-factor on, resets it (removes the authenticator and recovery codes, ends their sessions; audited).
 */
export function ResetTwoFactorButton({ userId, email, enabled }: { userId: string; email: string; enabled: boolean }) {
  const [state, formAction] = useActionState(resetTwoFactorAction, initialActionState);
  const done = state.status === "ok";
  return (
    <form action={formAction} className="space-y-1" aria-label={`Two-factor sign-in of ${email}`}>
      <input type="hidden" name="userId" value={userId} />
      {enabled && !done ? <SubmitButton variant="secondary">Reset two-factor</SubmitButton> : null}
      <FormMessage state={state} />
    </form>
  );
}
