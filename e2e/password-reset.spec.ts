import { expect, test } from "./fixtures";
import { invitePartnerUser } from "./pages/accounts";
import { MailInbox } from "./pages/mail-inbox";
import { SignInPage } from "./pages/sign-in-page";

const FIRST_PASSWORD = "quiet harbour compass 4410";
const NEW_PASSWORD = "copper kettle morning 9921";
const FORCED_PASSWORD = "silver birch trail 3307";

async function requestReset(page: import("@playwright/test").Page, email: string) {
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  const answer = page.getByRole("main").getByRole("status");
  await expect(answer).toBeVisible();
  return (await answer.textContent())!;
}

test("forgot password: the same answer for any address, then the emailed link sets a new password once", async ({ adminPage, browser, page }) => {
  const invited = await invitePartnerUser(adminPage, browser, FIRST_PASSWORD);
  await expect(invited.page.getByRole("heading", { level: 1 })).toContainText("Welcome");

  const known = await requestReset(page, invited.email);
  const unknown = await requestReset(page, `nobody-${Date.now()}@nowhere.example`);
  expect(unknown).toBe(known);

  const link = await new MailInbox(adminPage).linkInLatest(invited.email, /Reset your portal password/);
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("main").getByRole("status")).toContainText("Your new password is set");

  // The old session ended with the change.
  await invited.page.reload();
  await expect(invited.page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await invited.page.context().close();

  const signIn = new SignInPage(page);
  await expect(await signIn.signInExpectingRefusal(invited.email, FIRST_PASSWORD)).toContainText("do not match");
  await signIn.signIn(invited.email, NEW_PASSWORD);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome");

  // The link was spent.
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "This link no longer works" })).toBeVisible();
});

test("an admin forces a password reset: the user is signed out and cannot sign in until the emailed link is used", async ({ adminPage, browser, page }) => {
  const invited = await invitePartnerUser(adminPage, browser, FIRST_PASSWORD);
  await expect(invited.page.getByRole("heading", { level: 1 })).toContainText("Welcome");

  await adminPage.goto(`/admin/organisations?q=${encodeURIComponent("Sunshine Family Clinic")}`);
  await adminPage.getByRole("link", { name: "Sunshine Family Clinic" }).click();
  const row = adminPage.getByRole("listitem", { name: invited.email });
  await row.getByRole("button", { name: "Force password reset" }).click();
  await expect(row.getByRole("status")).toContainText("must choose a new password");

  await invited.page.reload();
  await expect(invited.page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await invited.page.context().close();
  const signIn = new SignInPage(page);
  await signIn.goto();
  await expect(await signIn.signInExpectingRefusal(invited.email, FIRST_PASSWORD)).toContainText("asked you to choose a new password");

  const link = await new MailInbox(adminPage).linkInLatest(invited.email, /Choose a new portal password/);
  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill(FORCED_PASSWORD);
  await page.getByLabel("Confirm new password").fill(FORCED_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("main").getByRole("status")).toContainText("Your new password is set");
  await signIn.signIn(invited.email, FORCED_PASSWORD);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome");
});
