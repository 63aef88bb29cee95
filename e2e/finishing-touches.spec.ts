import type { Page } from "@playwright/test";
import { axeFindings } from "./accessibility/axe-scan";
import { expect, test } from "./fixtures";
import { approvedPartner } from "./partner-onboarding";
import { NotFoundPage } from "./pages/not-found-page";
import { RecoveryCodesPanel } from "./pages/recovery-codes";
import { Authenticator } from "./totp";

/** Issue #17, point 12: the icon, the 404 inside the shell, recovery codes to copy and download. */

/** No serious or critical axe-core finding inside `selector` (the parts this file is about). */
async function expectAccessible(page: Page, selector: string) {
  expect(await axeFindings(page, selector, selector)).toEqual([]);
}

test("the portal has its icon: SVG and ICO favicons and a home-screen icon, served without a session", async ({ page, request }) => {
  await page.goto("/sign-in");
  await expect(page.locator('head link[rel="icon"][type="image/svg+xml"]')).toHaveAttribute("href", "/favicon.svg");
  await expect(page.locator('head link[rel="apple-touch-icon"]')).toHaveAttribute("href", "/apple-touch-icon.png");
  for (const [path, type] of [
    ["/favicon.svg", "image/svg+xml"],
    ["/favicon.ico", "image/"],
    ["/apple-touch-icon.png", "image/png"],
    ["/brand/mark.svg", "image/svg+xml"],
  ] as const) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(200);
    expect(response.headers()["content-type"], path).toContain(type);
  }
});

for (const width of [1280, 390]) {
  test(`a signed-in partner's 404 keeps the portal around it, once (${width} px)`, async ({ partnerPage }) => {
    await partnerPage.setViewportSize({ width, height: 900 });
    const notFound = new NotFoundPage(partnerPage);
    await notFound.goto("/no-such-page");
    await notFound.expectInsideShell();
    await expectAccessible(partnerPage, "main");
    // No sideways scrolling on a phone.
    expect(await partnerPage.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await partnerPage.getByRole("link", { name: "Go to your start page" }).click();
    await expect(partnerPage).toHaveURL(/\/dashboard$/);
  });
}

test("a record that does not exist, inside an area with its own layout, shows the shell once", async ({ adminPage }) => {
  const notFound = new NotFoundPage(adminPage);
  await notFound.goto("/admin/mail/not-a-message-id");
  await notFound.expectInsideShell();
});

test("signed out, the 404 is a plain page that offers sign-in", async ({ page }) => {
  const notFound = new NotFoundPage(page);
  await notFound.goto("/sign-in/no-such-step");
  await notFound.expectSignedOut();
  await expectAccessible(page, "body");
  await page.getByRole("main").getByRole("link", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("recovery codes can be copied and downloaded at set-up and when new ones are made", async ({ page, adminPage, baseURL }) => {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(baseURL!).origin });
  await approvedPartner(page, adminPage, "Codes");
  await page.goto("/account");
  const section = page.getByRole("region", { name: "Two-factor sign-in" });
  await section.getByRole("button", { name: "Set up two-factor sign-in" }).click();

  const atSetUp = new RecoveryCodesPanel(page, section, "Recovery codes");
  const codes = await atSetUp.codes();
  await expectAccessible(page, "#main");
  const copied = await atSetUp.copyAll();
  expect(copied.split("\n").filter((line) => codes.includes(line))).toEqual(codes);
  const { fileName, text } = await atSetUp.download();
  expect(fileName).toBe("edi-portal-recovery-codes.txt");
  expect(text).toContain("recovery codes");
  expect(text.split("\n").filter((line) => codes.includes(line))).toEqual(codes);

  const authenticator = Authenticator.fromManualKey((await section.getByLabel("Key for manual entry").textContent()) ?? "");
  await section.getByLabel("Code from your authenticator app").fill(await authenticator.nextCode());
  await section.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(section).toContainText("On since");

  await section.getByRole("button", { name: "Create new recovery codes" }).click();
  const renewed = new RecoveryCodesPanel(page, section, "Your new recovery codes");
  const newCodes = await renewed.codes();
  expect(newCodes.some((code) => codes.includes(code))).toBe(false);
  const copiedNew = await renewed.copyAll();
  expect(copiedNew.split("\n").filter((line) => newCodes.includes(line))).toEqual(newCodes);
  const downloadedNew = await renewed.download();
  expect(downloadedNew.text.split("\n").filter((line) => newCodes.includes(line))).toEqual(newCodes);
});
