import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { AppShell } from "./pages/app-shell";

/** Records every Content-Security-Policy violation on the page, from before its first script. */
async function watchCsp(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction("__reportCspViolation", (what: string) => violations.push(what));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { __reportCspViolation: (what: string) => void }).__reportCspViolation(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

/** The relative luminance (0 black … 1 white) of a computed colour, whatever syntax the browser reports it in. */
async function luminance(page: Page, selector: string, property: "color" | "backgroundColor"): Promise<number> {
  return page.evaluate(
    ([selector, property]) => {
      const css = getComputedStyle(document.querySelector(selector)!)[property as "color"];
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 1;
      const context = canvas.getContext("2d")!;
      context.fillStyle = css;
      context.fillRect(0, 0, 1, 1);
      const [r, g, b] = Array.from(context.getImageData(0, 0, 1, 1).data).map((value) => {
        const channel = value / 255;
        return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    },
    [selector, property],
  );
}

test("the theme follows the system's light or dark setting, with nothing blocked by the CSP", async ({ partnerPage }) => {
  const violations = await watchCsp(partnerPage);
  const shell = new AppShell(partnerPage);
  await partnerPage.emulateMedia({ colorScheme: "dark" });
  await partnerPage.goto("/dashboard");
  await expect(partnerPage.locator("html")).toHaveClass(/\bdark\b/);
  expect(await luminance(partnerPage, "body", "backgroundColor")).toBeLessThan(0.05);
  expect(await luminance(partnerPage, "header", "backgroundColor")).toBeLessThan(0.05);
  expect(await luminance(partnerPage, "h1", "color")).toBeGreaterThan(0.7);
  expect(await partnerPage.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).toBe("dark");

  // The system turns light: the page follows without a reload.
  await partnerPage.emulateMedia({ colorScheme: "light" });
  await expect(partnerPage.locator("html")).not.toHaveClass(/\bdark\b/);
  expect(await shell.isDark()).toBe(false);
  expect(await luminance(partnerPage, "body", "backgroundColor")).toBeGreaterThan(0.8);
  expect(violations).toEqual([]);
});

test("the theme menu switches between light, dark and system, and the choice survives a reload", async ({ partnerPage }) => {
  const violations = await watchCsp(partnerPage);
  const shell = new AppShell(partnerPage);
  await partnerPage.emulateMedia({ colorScheme: "light" });
  await partnerPage.goto("/history");
  expect(await shell.isDark()).toBe(false);

  await shell.chooseTheme("Dark");
  await expect(partnerPage.locator("html")).toHaveClass(/\bdark\b/);
  await partnerPage.reload();
  await expect(partnerPage.locator("html")).toHaveClass(/\bdark\b/);
  await shell.themeButton().click();
  await expect(shell.themeChoice("Dark")).toHaveAttribute("aria-checked", "true");
  await partnerPage.keyboard.press("Escape");

  // Light wins over a dark system setting, also after a reload.
  await partnerPage.emulateMedia({ colorScheme: "dark" });
  await shell.chooseTheme("Light");
  await expect(partnerPage.locator("html")).not.toHaveClass(/\bdark\b/);
  await partnerPage.reload();
  await expect(partnerPage.getByRole("heading", { level: 1 })).toBeVisible();
  expect(await shell.isDark()).toBe(false);

  // Back to the system's setting (dark here).
  await shell.chooseTheme("System");
  await expect(partnerPage.locator("html")).toHaveClass(/\bdark\b/);
  expect(violations).toEqual([]);
});

test("the theme menu works from the keyboard", async ({ adminPage }) => {
  const shell = new AppShell(adminPage);
  await adminPage.emulateMedia({ colorScheme: "light" });
  await adminPage.goto("/admin/registrations");
  await shell.themeButton().focus();
  await adminPage.keyboard.press("Enter");
  await expect(adminPage.getByRole("menu", { name: "Theme" })).toBeVisible();
  await expect(shell.themeChoice("System")).toHaveAttribute("aria-checked", "true");
  // Opened from the keyboard, the menu puts focus on its first choice.
  await expect(shell.themeChoice("Light")).toBeFocused();
  await adminPage.keyboard.press("ArrowDown");
  await expect(shell.themeChoice("Dark")).toBeFocused();
  await adminPage.keyboard.press("Enter");
  await expect(adminPage.getByRole("menu")).toHaveCount(0);
  await expect(adminPage.locator("html")).toHaveClass(/\bdark\b/);
  await expect(shell.themeButton()).toBeFocused();
});

test("signed-out pages have the theme menu too, and the choice is kept from page to page", async ({ page }) => {
  const shell = new AppShell(page);
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/sign-in");
  expect(await shell.isDark()).toBe(false);
  await shell.chooseTheme("Dark");
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await page.goto("/register");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  expect(await shell.isDark()).toBe(true);
});
