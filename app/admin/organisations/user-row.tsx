"use client";

import { useActionState } from "react";
import { FormMessage, SubmitButton } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";
import type { SafeUser } from "@/db/queries/users";
import { changeUserRoleAction, setUserDisabledAction } from "../actions";

function roleValue(user: SafeUser): string {
  if (user.role === "partner") return user.isOrgAdmin ? "partner-org-admin" : "partner-user";
  return user.role;
}

export function UserRow({ user, isSelf }: { user: SafeUser; isSelf: boolean }) {
  const [disableState, toggleDisabled] = useActionState(setUserDisabledAction, initialActionState);
  const [roleState, changeRole] = useActionState(changeUserRoleAction, initialActionState);
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
  return (
    <li className="flex flex-wrap items-center justify-between gap-4 px-4 py-3" aria-label={user.email}>
      <div>
        <p className="font-medium">
          {user.name} <span className="text-slate-500">· {user.email}</span>
        </p>
        <p className="text-xs text-slate-500">
          {user.disabledAt ? "Disabled" : "Active"} · created {user.createdAt.toISOString().slice(0, 10)}
        </p>
        <FormMessage state={disableState.status === "idle" ? roleState : disableState} />
      </div>
      {isSelf ? (
        <span className="text-xs text-slate-500">This is you</span>
      ) : (
        <div className="flex items-end gap-3">
          <form action={changeRole} className="flex items-end gap-2">
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
            <SubmitButton variant="secondary">Change role</SubmitButton>
          </form>
          <form action={toggleDisabled}>
            <input type="hidden" name="userId" value={user.id} />
            <input type="hidden" name="disabled" value={user.disabledAt ? "false" : "true"} />
            <SubmitButton variant={user.disabledAt ? "secondary" : "danger"}>{user.disabledAt ? "Enable" : "Disable"}</SubmitButton>
          </form>
        </div>
      )}
    </li>
  );
}
