"use client";

import * as Dialog from "@radix-ui/react-dialog";
import { useEffect, useId, useRef, useState } from "react";
import type { NavCounts, NavItem } from "@/lib/auth/roles";
import { NavLinks } from "@/components/nav-links";

/** Where the row of tabs takes over (Tailwind's md breakpoint, 48rem); the menu button hides there. */
const WIDE = "(min-width: 48rem)";

/**
 * The main navigation on narrow screens: a "Menu" button opening a sheet with the same sections.
 * Radix Dialog keeps focus inside while it is open, closes on Escape or a click outside and gives
 * focus back to the button; opening puts focus on the current section. Choosing a section closes it.
 */
export function MobileNav({ items, signedInAs, counts }: { items: NavItem[]; signedInAs?: string; counts?: NavCounts }) {
  const [open, setOpen] = useState(false);
  // The closed menu says something waits inside (the admin's pending registrations), so a phone shows it too.
  const waitingId = useId();
  const waiting = Object.values(counts ?? {}).reduce<number>((sum, count) => sum + (count ?? 0), 0);
  const sheet = useRef<HTMLDivElement>(null);

  // Widening the window past the breakpoint shows the tabs again: the sheet has no reason to stay.
  useEffect(() => {
    const wide = window.matchMedia(WIDE);
    const close = () => {
      if (wide.matches) setOpen(false);
    };
    wide.addEventListener("change", close);
    return () => wide.removeEventListener("change", close);
  }, []);

  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger aria-describedby={waiting ? waitingId : undefined} className="inline-flex items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50 md:hidden">
        <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
          <path d="M3 5h14M3 10h14M3 15h14" />
        </svg>
        Menu
        {waiting ? (
          <>
            <span aria-hidden="true" className="inline-flex min-w-5 items-center justify-center rounded-full bg-amber-100 px-1.5 text-xs font-semibold text-amber-900">
              {waiting}
            </span>
            <span id={waitingId} hidden>
              {waiting} waiting
            </span>
          </>
        ) : null}
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-black/50" />
        <Dialog.Content
          ref={sheet}
          aria-describedby={undefined}
          onOpenAutoFocus={(event) => {
            const target = sheet.current?.querySelector<HTMLElement>('[aria-current="page"]') ?? sheet.current?.querySelector<HTMLElement>("a");
            if (target) {
              event.preventDefault();
              target.focus();
            }
          }}
          className="fixed inset-y-0 left-0 z-50 flex w-72 max-w-[85vw] flex-col gap-4 overflow-y-auto border-r border-slate-200 bg-white p-4 shadow-xl"
        >
          <div className="flex items-center justify-between gap-2">
            <Dialog.Title className="text-lg font-semibold">Menu</Dialog.Title>
            <Dialog.Close className="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-50">Close</Dialog.Close>
          </div>
          {signedInAs ? <p className="text-sm text-slate-600">Signed in as {signedInAs}</p> : null}
          <nav aria-label="Main">
            <NavLinks items={items} layout="list" onNavigate={() => setOpen(false)} counts={counts} />
          </nav>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
