import { expect, test as setup } from "@playwright/test";
import { e2eCredentials, storageStatePath, type E2eRole } from "./credentials";
import { SignInPage } from "./pages/sign-in-page";
import { TwoFactorPage } from "./pages/two-factor-page";
import { saveAuthenticator } from "./totp";

const landing: Record<E2eRole, string> = { admin: "Registrations", partner: "Welcome", support: "Transfers" };
/** Staff must enrol in two-factor sign-in at their first sign-in; the demo partner need not. */
const enrols: Record<E2eRole, boolean> = { admin: true, partner: false, support: true };

for (const role of Object.keys(e2eCredentials) as E2eRole[]) {
  setup(`sign in as ${role}`, async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.signIn(e2eCredentials[role].email, e2eCredentials[role].password);
    if (enrols[role]) {
      // The right password alone gave no session: the portal asks to enrol first.
      const { authenticator } = await new TwoFactorPage(page).enrol();
      saveAuthenticator(role, authenticator);
    }
    await expect(page.getByRole("heading", { level: 1 })).toContainText(landing[role]);
    await page.context().storageState({ path: storageStatePath(role) });
  });
}
