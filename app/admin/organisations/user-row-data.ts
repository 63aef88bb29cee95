import type { SafeUser } from "@/lib/organisations/users";
import type { UserRowData } from "@/app/admin/organisations/user-row";

/** Only what the row needs crosses to the browser. */
export function toUserRowData(user: SafeUser): UserRowData {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    isOrgAdmin: user.isOrgAdmin,
    disabled: Boolean(user.disabledAt),
    mustChangePassword: user.mustChangePassword,
    twoFactor: Boolean(user.totpEnabledAt),
    createdAt: user.createdAt.toISOString(),
  };
}
