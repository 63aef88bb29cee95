import type { ActionState } from "@/lib/auth/action-state";

/** The invitation link, shown to the admin only when the email could not be sent. */
export function InviteLinkNotice({ state }: { state: ActionState }) {
  const link = state.data?.inviteLink;
  if (!link) return null;
  return (
    <p className="break-all rounded bg-slate-100 p-2 font-mono text-xs" aria-label="Invitation link">
      {link}
    </p>
  );
}
