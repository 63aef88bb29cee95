"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { activeNavHref, type NavItem } from "@/lib/auth/roles";

/**
 * The sections of the main navigation, the current one marked with aria-current="page": the
 * section whose path is the longest prefix of this page's, or that lists the page among its
 * `also` paths (lib/auth/roles.ts). A row of tabs on wide screens, a list in the phone menu.
 */
export function NavLinks({ items, layout = "row", onNavigate }: { items: NavItem[]; layout?: "row" | "list"; onNavigate?: () => void }) {
  const pathname = usePathname();
  const current = activeNavHref(items, pathname);
  if (layout === "list") {
    return (
      <ul className="flex flex-col gap-1">
        {items.map((item) => {
          const active = item.href === current;
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                onClick={onNavigate}
                aria-current={active ? "page" : undefined}
                className={`block rounded-md border-l-4 px-3 py-2 text-base font-medium ${
                  active ? "border-brand-600 bg-brand-50 text-brand-700" : "border-transparent text-slate-700 hover:bg-slate-100 hover:text-slate-900"
                }`}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    );
  }
  return (
    <ul className="-mb-px flex flex-wrap gap-1">
      {items.map((item) => {
        const active = item.href === current;
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              onClick={onNavigate}
              aria-current={active ? "page" : undefined}
              className={`inline-block border-b-2 px-3 py-2 text-sm font-medium ${
                active ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900"
              }`}
            >
              {item.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
