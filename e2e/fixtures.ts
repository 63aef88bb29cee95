import { test as base, type Browser, type Page } from "@playwright/test";
import { storageStatePath, type E2eRole } from "./credentials";
import { RegisterPage } from "./pages/register-page";
import { RegistrationsPage } from "./pages/registrations-page";
import { SignInPage } from "./pages/sign-in-page";

async function pageAs(browser: Browser, role: E2eRole): Promise<Page> {
  const context = await browser.newContext({ storageState: storageStatePath(role) });
  return context.newPage();
}

export const test = base.extend<{
  signInPage: SignInPage;
  registerPage: RegisterPage;
  adminPage: Page;
  partnerPage: Page;
  supportPage: Page;
}>({
  signInPage: async ({ page }, use) => use(new SignInPage(page)),
  registerPage: async ({ page }, use) => use(new RegisterPage(page)),
  adminPage: async ({ browser }, use) => {
    const page = await pageAs(browser, "admin");
    await use(page);
    await page.context().close();
  },
  partnerPage: async ({ browser }, use) => {
    const page = await pageAs(browser, "partner");
    await use(page);
    await page.context().close();
  },
  supportPage: async ({ browser }, use) => {
    const page = await pageAs(browser, "support");
    await use(page);
    await page.context().close();
  },
});

export { expect } from "@playwright/test";
export { RegistrationsPage };
