import type { SafeUser } from "@/db/queries/users";
import type { UserRowData } from "./user-row";

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
