import type { UserRole } from "@/db/schema";

export type Role = UserRole;

/** Where each role lands after signing in, and what its navigation holds. */
export const roleHome: Record<Role, string> = {
  partner: "/dashboard",
  admin: "/admin/registrations",
  support: "/support/transfers",
};

export interface NavItem {
  href: string;
  label: string;
}

export const navigation: Record<Role, NavItem[]> = {
  partner: [
    { href: "/dashboard", label: "Dashboard" },
    { href: "/upload", label: "Upload" },
    { href: "/history", label: "History" },
    { href: "/responses", label: "Payer files" },
    { href: "/keys", label: "Keys & credentials" },
    { href: "/troubleshooting", label: "Troubleshooting" },
  ],
  admin: [
    { href: "/admin/registrations", label: "Registrations" },
    { href: "/admin/organisations", label: "Organisations" },
    { href: "/admin/destinations", label: "Destinations" },
    { href: "/admin/accounts", label: "Accounts" },
    { href: "/responses", label: "Payer files" },
    { href: "/admin/keys", label: "Keys" },
    { href: "/admin/operations", label: "Operations" },
    { href: "/admin/audit", label: "Audit" },
    { href: "/admin/exports", label: "Exports" },
    { href: "/admin/mail", label: "Mail" },
  ],
  support: [
    { href: "/support/transfers", label: "Transfers" },
    { href: "/responses", label: "Payer files" },
    { href: "/support/organisations", label: "Organisations" },
    { href: "/support/diagnostics", label: "Diagnostics" },
  ],
};
