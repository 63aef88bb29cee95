import fs from "node:fs";
import { chromium } from "@playwright/test";

/** Chromium flags for root-run, offline CI machines (no sandbox, no background network chatter). */
export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * A system Chromium (CHROMIUM_PATH, or Debian's /usr/bin/chromium) when there is one, otherwise
 * Playwright's own download. With neither, stop with one line that says how to get a browser.
 */
export function resolveChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean) as string[];
  const system = candidates.find((candidate) => fs.existsSync(candidate));
  if (system) return system;
  let bundled: string | undefined;
  try {
    bundled = chromium.executablePath();
  } catch {
    bundled = undefined;
  }
  if (bundled && fs.existsSync(bundled)) return undefined; // Playwright finds its own browser
  console.error("No Chromium found: install one with `sudo apt-get install chromium` (or `npx playwright install chromium`), or set CHROMIUM_PATH.");
  process.exit(1);
}
