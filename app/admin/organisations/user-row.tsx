"use client";

import { useActionState } from "react";
import { FormMessage, SubmitButton } from "@/components/form";
import { initialActionState, type ActionState } from "@/lib/auth/action-state";
import { changeUserRoleAction, forcePasswordResetAction, setUserDisabledAction } from "@/app/admin/actions";
import { ResetTwoFactorButton } from "@/app/admin/users/reset-two-factor-button";

/** What the row shows of a user: no hash, nothing secret. */
export interface UserRowData {
  id: string;
  name: string;
  email: string;
  role: "partner" | "admin" | "support";
  isOrgAdmin: boolean;
  disabled: boolean;
  mustChangePassword: boolean;
  twoFactor: boolean;
  createdAt: string;
}

function roleValue(user: UserRowData): string {
  if (user.role === "partner") return user.isOrgAdmin ? "partner-org-admin" : "partner-user";
  return user.role;
}

function roleLabel(user: UserRowData): string {
  if (user.role === "partner") return user.isOrgAdmin ? "Partner org-admin" : "Partner user";
  return user.role === "admin" ? "Administrator" : "Support (read-only)";
}

function latest(...states: ActionState[]): ActionState {
  return states.find((s) => s.status !== "idle") ?? initialActionState;
}

/** One user with the admin's controls; `readOnly` (support) renders the facts and no form at all. */
export function UserRow({ user, isSelf, readOnly = false, needsPassword = false }: { user: UserRowData; isSelf: boolean; readOnly?: boolean; needsPassword?: boolean }) {
  const [disableState, toggleDisabled] = useActionState(setUserDisabledAction, initialActionState);
  const [roleState, changeRole] = useActionState(changeUserRoleAction, initialActionState);
  const [resetState, forceReset] = useActionState(forcePasswordResetAction, initialActionState);
  const roleOptions =
    user.role === "partner"
      ? [
          ["partner-user", "Partner user"],
          ["partner-org-admin", "Partner org-admin"],
        ]
      : [
          ["admin", "Administrator"],
          ["support", "Support (read-only)"],
        ];
  const askPassword = needsPassword || Boolean(roleState.fieldErrors?.currentPassword || roleState.fieldErrors?.totpCode);
  const identityError = roleState.fieldErrors?.currentPassword ?? roleState.fieldErrors?.totpCode;
  return (
    <li className="flex flex-wrap items-center justify-between gap-4 px-4 py-3" aria-label={user.email}>
      <div>
        <p className="font-medium">
          {user.name} <span className="text-slate-500">· {user.email}</span>
        </p>
        <p className="text-xs text-slate-500">
          {roleLabel(user)} · {user.disabled ? "Disabled" : "Active"}
          {user.mustChangePassword ? " · must choose a new password" : ""} · two-factor {user.twoFactor ? "on" : "off"} · created {user.createdAt.slice(0, 10)}
        </p>
        <FormMessage state={latest(resetState, roleState, disableState)} />
        {identityError ? <p className="text-sm text-red-700">{identityError}</p> : null}
      </div>
      {readOnly ? null : isSelf ? (
        <span className="text-xs text-slate-500">This is you</span>
      ) : (
        <div className="flex flex-wrap items-end gap-3">
          <form action={changeRole} className="flex flex-wrap items-end gap-2" aria-label={`Role of ${user.email}`}>
            <input type="hidden" name="userId" value={user.id} />
            <div>
              <label htmlFor={`role-${user.id}`} className="block text-xs text-slate-600">
                Role
              </label>
              <select id={`role-${user.id}`} name="role" defaultValue={roleValue(user)} className="rounded-md border border-slate-300 px-2 py-1 text-sm">
                {roleOptions.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
            {askPassword ? (
              <div>
                <label htmlFor={`role-password-${user.id}`} className="block text-xs text-slate-600">
                  Your password (to confirm)
                </label>
                <input id={`role-password-${user.id}`} name="currentPassword" type="password" autoComplete="current-password" className="w-40 rounded-md border border-slate-300 px-2 py-1 text-sm" />
              </div>
            ) : null}
            {askPassword ? (
              <div>
                <label htmlFor={`role-code-${user.id}`} className="block text-xs text-slate-600">
                  Or authenticator code
                </label>
                <input id={`role-code-${user.id}`} name="totpCode" inputMode="numeric" autoComplete="one-time-code" className="w-28 rounded-md border border-slate-300 px-2 py-1 text-sm" />
              </div>
            ) : null}
            <SubmitButton variant="secondary">Change role</SubmitButton>
          </form>
          <ResetTwoFactorButton userId={user.id} email={user.email} enabled={user.twoFactor} />
          <form action={forceReset}>
            <input type="hidden" name="userId" value={user.id} />
            <SubmitButton variant="secondary">Force password reset</SubmitButton>
          </form>
          <form action={toggleDisabled}>
            <input type="hidden" name="userId" value={user.id} />
            <input type="hidden" name="disabled" value={user.disabled ? "false" : "true"} />
            <SubmitButton variant={user.disabled ? "secondary" : "danger"}>{user.disabled ? "Enable" : "Disable"}</SubmitButton>
          </form>
        </div>
      )}
    </li>
  );
}
