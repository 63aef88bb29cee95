"use client";

import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { useTheme } from "next-themes";

const choices = [
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
  { value: "system", label: "System" },
] as const;

/**
 * Light, dark, or whatever the system says (the default). The button's icon follows the page's
 * actual colours through CSS (`dark:`), so the server-rendered button never disagrees with the
 * theme the inline script chose; the choice, read only once the menu opens, is kept in this browser.
 * A Radix menu: arrow keys move between the choices, Enter or Space picks one, Escape closes.
 * Not modal, and rendered in place (no portal): a modal menu hides the rest of the page from
 * assistive technology while its links stay focusable, and a portal puts the menu outside the
 * header's landmark (both accessibility faults axe-core reports, e2e/accessibility.spec.ts).
 */
export function ThemeToggle() {
  const { theme, setTheme } = useTheme();
  return (
    <DropdownMenu.Root modal={false}>
      <DropdownMenu.Trigger className="inline-flex items-center gap-1.5 rounded-md border border-slate-300 px-2.5 py-1 hover:bg-slate-50">
        <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4 dark:hidden" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round">
          <circle cx="10" cy="10" r="3.5" />
          <path d="M10 1.5v2M10 16.5v2M1.5 10h2M16.5 10h2M4 4l1.4 1.4M14.6 14.6 16 16M4 16l1.4-1.4M14.6 5.4 16 4" />
        </svg>
        <svg aria-hidden="true" viewBox="0 0 20 20" className="hidden h-4 w-4 dark:block" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round">
          <path d="M16.5 12.5A7 7 0 0 1 7.5 3.5a7 7 0 1 0 9 9Z" />
        </svg>
        Theme
      </DropdownMenu.Trigger>
      <DropdownMenu.Content align="end" sideOffset={6} className="z-50 min-w-40 rounded-md border border-slate-200 bg-white p-1 text-sm text-slate-900 shadow-lg">
        <DropdownMenu.RadioGroup value={theme ?? "system"} onValueChange={setTheme}>
          {choices.map((choice) => (
            <DropdownMenu.RadioItem
              key={choice.value}
              value={choice.value}
              className="flex cursor-default select-none items-center gap-2 rounded px-2 py-1.5 outline-none data-[highlighted]:bg-slate-100"
            >
              <span className="inline-flex w-4 justify-center" aria-hidden="true">
                <DropdownMenu.ItemIndicator>✓</DropdownMenu.ItemIndicator>
              </span>
              {choice.label}
            </DropdownMenu.RadioItem>
          ))}
        </DropdownMenu.RadioGroup>
      </DropdownMenu.Content>
    </DropdownMenu.Root>
  );
}
