"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useId } from "react";
import { activeNavHref, type NavCounts, type NavItem } from "@/lib/auth/roles";

/**
 * A number beside a section (the admin's pending registrations): a badge on screen, and the link's
 * description ("3 waiting") to a screen reader. It sits beside the link, not in it, so the section's
 * name stays its label. Nothing at zero.
 */
function WaitingCount({ id, count }: { id: string; count: number }) {
  return (
    <>
      <span aria-hidden="true" className="ml-1 inline-flex min-w-5 items-center justify-center rounded-full bg-amber-100 px-1.5 text-xs font-semibold text-amber-900">
        {count}
      </span>
      <span id={id} hidden>
        {count} waiting
      </span>
    </>
  );
}

/**
 * The sections of the main navigation, the current one marked with aria-current="page": the
 * section whose path is the longest prefix of this page's, or that lists the page among its
 * `also` paths (lib/auth/roles.ts). A row of tabs on wide screens, a list in the phone menu. A section
 * with something waiting (`counts`, by href) shows how many.
 */
export function NavLinks({
  items,
  layout = "row",
  onNavigate,
  counts,
}: {
  items: NavItem[];
  layout?: "row" | "list";
  onNavigate?: () => void;
  counts?: NavCounts;
}) {
  const pathname = usePathname();
  const current = activeNavHref(items, pathname);
  const countId = useId();
  const waiting = (item: NavItem, index: number) => {
    const count = counts?.[item.href];
    return count ? { id: `${countId}-${index}`, count } : null;
  };
  if (layout === "list") {
    return (
      <ul className="flex flex-col gap-1">
        {items.map((item, index) => {
          const active = item.href === current;
          const count = waiting(item, index);
          return (
            <li key={item.href} className="flex items-center gap-1">
              <Link
                href={item.href}
                onClick={onNavigate}
                aria-current={active ? "page" : undefined}
                aria-describedby={count?.id}
                className={`block flex-1 rounded-md border-l-4 px-3 py-2 text-base font-medium ${
                  active ? "border-brand-600 bg-brand-50 text-brand-700" : "border-transparent text-slate-700 hover:bg-slate-100 hover:text-slate-900"
                }`}
              >
                {item.label}
              </Link>
              {count ? <WaitingCount {...count} /> : null}
            </li>
          );
        })}
      </ul>
    );
  }
  return (
    <ul className="-mb-px flex flex-wrap gap-1">
      {items.map((item, index) => {
        const active = item.href === current;
        const count = waiting(item, index);
        return (
          <li key={item.href} className="flex items-center">
            <Link
              href={item.href}
              onClick={onNavigate}
              aria-current={active ? "page" : undefined}
              aria-describedby={count?.id}
              className={`inline-block border-b-2 px-3 py-2 text-sm font-medium ${
                active ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900"
              }`}
            >
              {item.label}
            </Link>
            {count ? <WaitingCount {...count} /> : null}
          </li>
        );
      })}
    </ul>
  );
}
