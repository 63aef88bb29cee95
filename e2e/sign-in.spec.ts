import { expect, test } from "./fixtures";
import { uniqueRegistration } from "./pages/register-page";
import { TwoFactorPage } from "./pages/two-factor-page";
import { loadAuthenticator, saveAuthenticator } from "./totp";

test("five wrong passwords pause sign-in for 15 minutes, even with the right one", async ({ page, registerPage, signInPage }) => {
  const registration = uniqueRegistration("Throttle");
  await registerPage.goto();
  await registerPage.registerAndSignIn(registration);
  await expect(page.getByRole("heading", { name: "Waiting for approval" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();

  await signInPage.goto();
  for (let attempt = 1; attempt <= 4; attempt++) {
    await expect(await signInPage.signInExpectingRefusal(registration.email, `wrong password ${attempt}x`)).toContainText("do not match an account");
  }
  const locked = await signInPage.signInExpectingRefusal(registration.email, "wrong password 5x");
  await expect(locked).toContainText("Too many failed attempts");
  await expect(locked).toContainText("15 more minutes");

  await expect(await signInPage.signInExpectingRefusal(registration.email, registration.password)).toContainText("Too many failed attempts");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("an unknown email gets the same answer as a wrong password", async ({ signInPage }) => {
  await signInPage.goto();
  await expect(await signInPage.signInExpectingRefusal("nobody.at.all@nowhere.example", "some password value")).toHaveText(
    "That email and password do not match an account. Check both and try again; passwords are case-sensitive.",
  );
});

test("signing out ends the session", async ({ page, signInPage }) => {
  const { e2eCredentials } = await import("./credentials");
  await signInPage.goto();
  await signInPage.signIn(e2eCredentials.support.email, e2eCredentials.support.password);
  // Support staff use two-factor sign-in: the code from the authenticator enrolled in auth.setup.
  const authenticator = loadAuthenticator("support");
  await new TwoFactorPage(page).submitCode(await authenticator.nextCode());
  saveAuthenticator("support", authenticator);
  await expect(page.getByRole("heading", { name: "Transfers" })).toBeVisible();
  const cookies = await page.context().cookies();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);

  // Replaying the old cookie does not bring the session back.
  await page.context().addCookies(cookies);
  await page.goto("/support/transfers");
  await expect(page).toHaveURL(/\/sign-in/);
});
