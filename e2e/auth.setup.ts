import { expect, test as setup } from "@playwright/test";
import { e2eCredentials, storageStatePath, type E2eRole } from "./credentials";
import { SignInPage } from "./pages/sign-in-page";

const landing: Record<E2eRole, string> = { admin: "Registrations", partner: "Welcome", support: "Transfers" };

for (const role of Object.keys(e2eCredentials) as E2eRole[]) {
  setup(`sign in as ${role}`, async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.signIn(e2eCredentials[role].email, e2eCredentials[role].password);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(landing[role]);
    await page.context().storageState({ path: storageStatePath(role) });
  });
}
