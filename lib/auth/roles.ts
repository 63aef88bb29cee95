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
  /** Pages of this section that live outside its path (a transfer's page belongs to History). */
  also?: string[];
}

/** Numbers shown beside sections, by href: things waiting for the signed-in user (the admin's pending registrations). */
export type NavCounts = Partial<Record<string, number>>;

export const navigation: Record<Role, NavItem[]> = {
  partner: [
    { href: "/dashboard", label: "Dashboard" },
    { href: "/upload", label: "Upload" },
    { href: "/history", label: "History", also: ["/transfers"] },
    { href: "/responses", label: "Payer files" },
    { href: "/keys", label: "Keys & credentials" },
    { href: "/troubleshooting", label: "Troubleshooting", also: ["/diagnoses", "/guides"] },
  ],
  admin: [
    { href: "/admin/registrations", label: "Registrations" },
    { href: "/admin/organisations", label: "Organisations" },
    { href: "/admin/destinations", label: "Destinations", also: ["/transfers"] },
    { href: "/admin/accounts", label: "Accounts", also: ["/diagnoses", "/guides"] },
    { href: "/responses", label: "Payer files" },
    { href: "/admin/keys", label: "Keys" },
    { href: "/admin/operations", label: "Operations" },
    { href: "/admin/audit", label: "Audit" },
    { href: "/admin/exports", label: "Exports" },
    { href: "/admin/mail", label: "Mail" },
  ],
  support: [
    { href: "/support/transfers", label: "Transfers", also: ["/transfers"] },
    { href: "/responses", label: "Payer files" },
    { href: "/support/organisations", label: "Organisations" },
    { href: "/support/diagnostics", label: "Diagnostics", also: ["/diagnoses", "/guides"] },
  ],
};

function underPath(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`);
}

/**
 * The section a page belongs to: the item whose path (or one of its `also` paths) is the longest
 * prefix of the page's, so /admin/destinations/123 highlights Destinations and /transfers/<id>
 * highlights History for a partner and Transfers for support. Null when no section holds the page.
 */
export function activeNavHref(items: readonly NavItem[], pathname: string): string | null {
  let best: { href: string; length: number } | null = null;
  for (const item of items) {
    for (const prefix of [item.href, ...(item.also ?? [])]) {
      if (underPath(pathname, prefix) && (!best || prefix.length > best.length)) best = { href: item.href, length: prefix.length };
    }
  }
  return best?.href ?? null;
}
