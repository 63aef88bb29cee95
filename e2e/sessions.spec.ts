import type { Browser, Page } from "@playwright/test";
import { e2eCredentials } from "./credentials";
import { expect, test } from "./fixtures";
import { approvedPartner, signOut } from "./partner-onboarding";
import { submitConfirmingIdentity } from "./pages/identity-check";
import { SignInPage } from "./pages/sign-in-page";

/** A second browser (its own cookies) signed in with the password. */
async function signedInBrowser(browser: Browser, email: string, password: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.signIn(email, password);
  await expect(page).toHaveURL(/\/dashboard$/);
  return page;
}

/** Replays a saved session cookie in a brand-new browser and asks for a signed-in page. */
async function replayIsRefused(browser: Browser, cookies: Awaited<ReturnType<ReturnType<Page["context"]>["cookies"]>>) {
  const context = await browser.newContext();
  await context.addCookies(cookies);
  const page = await context.newPage();
  await page.goto("/account");
  await expect(page).toHaveURL(/\/sign-in/);
  await context.close();
}

test("users see their active sessions and sign out another one, or all others", async ({ page, adminPage, browser }) => {
  const partner = await approvedPartner(page, adminPage, "Sessions");
  const laptop = await signedInBrowser(browser, partner.email, partner.password);
  const phone = await signedInBrowser(browser, partner.email, partner.password);

  await page.goto("/account");
  const list = page.getByRole("list", { name: "Your active sessions" });
  await expect(list.getByRole("listitem")).toHaveCount(3);
  await expect(list.getByRole("listitem").filter({ hasText: "This browser" })).toHaveCount(1);
  await expect(list.getByRole("listitem").first()).toContainText(/Chrome on Linux|HeadlessChrome|Chrome/);
  await expect(list.getByRole("listitem").first()).toContainText("127.0.0.1");

  // The most recently used other session is listed first among the others: sign out one of them.
  await laptop.goto("/account");
  await page.reload();
  const laptopRow = list.getByRole("listitem").filter({ hasNotText: "This browser" }).first();
  await laptopRow.getByRole("button", { name: "Sign out" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(2);
  await laptop.goto("/account");
  await expect(laptop).toHaveURL(/\/sign-in/);
  await phone.goto("/account");
  await expect(phone).toHaveURL(/\/account$/);

  await page.getByRole("button", { name: "Sign out all other sessions" }).click();
  await expect(page.getByRole("region", { name: "Active sessions" }).getByRole("status")).toContainText("Signed out 1 other session");
  await phone.goto("/account");
  await expect(phone).toHaveURL(/\/sign-in/);
  await page.goto("/account");
  await expect(page).toHaveURL(/\/account$/);
});

test("a replayed session cookie is refused after sign-out, a password change, disabling the user and a role change", async ({ page, adminPage, browser, signInPage }) => {
  const partner = await approvedPartner(page, adminPage, "Stale");

  // Sign-out.
  let cookies = await page.context().cookies();
  await signOut(page);
  await replayIsRefused(browser, cookies);

  // Role change by an administrator (org-admin → partner user).
  await signInPage.signIn(partner.email, partner.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  cookies = await page.context().cookies();
  await adminPage.goto(`/admin/organisations?q=${encodeURIComponent(partner.organisationName)}`);
  await adminPage.getByRole("link", { name: partner.organisationName }).click();
  const row = adminPage.getByRole("listitem", { name: partner.email });
  await row.getByLabel("Role", { exact: true }).selectOption("partner-user");
  // Changing a role needs a fresh password (the admin's sign-in is older than five minutes in a long run).
  await submitConfirmingIdentity({
    field: row.getByLabel("Your password (to confirm)"),
    submit: row.getByRole("button", { name: "Change role" }),
    password: e2eCredentials.admin.password,
    done: row.getByRole("status"),
  });
  await replayIsRefused(browser, cookies);

  // Disabling the user (then enabling again: old sessions stay dead).
  await signInPage.goto();
  await signInPage.signIn(partner.email, partner.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  cookies = await page.context().cookies();
  await adminPage.reload();
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row).toContainText("Disabled");
  await replayIsRefused(browser, cookies);
  await row.getByRole("button", { name: "Enable" }).click();
  await expect(row).toContainText("Active");
  await replayIsRefused(browser, cookies);

  // Password change.
  await signInPage.goto();
  await signInPage.signIn(partner.email, partner.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  cookies = await page.context().cookies();
  await page.goto("/account");
  await page.getByLabel("Current password").fill(partner.password);
  await page.getByLabel("New password", { exact: true }).fill(`${partner.password} renewed`);
  await page.getByLabel("Confirm new password").fill(`${partner.password} renewed`);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page).toHaveURL(/\/sign-in\?changed=1/);
  await replayIsRefused(browser, cookies);
});
