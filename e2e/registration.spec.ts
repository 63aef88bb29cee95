import { expect, RegistrationsPage, test } from "./fixtures";
import { e2eCredentials } from "./credentials";
import { MailInbox } from "./pages/mail-inbox";
import { uniqueRegistration } from "./pages/register-page";

test("a partner registers, an admin approves, and the partner reaches the dashboard", async ({ page, registerPage, adminPage }) => {
  const registration = uniqueRegistration("Approved");
  await registerPage.goto();
  await registerPage.registerAndSignIn(registration);

  await expect(page.getByRole("heading", { name: "Waiting for approval" })).toBeVisible();
  await expect(page.getByText(registration.organisationName)).toBeVisible();
  // A pending partner sees nothing else.
  await page.goto("/upload");
  await expect(page).toHaveURL(/\/pending$/);

  const queue = new RegistrationsPage(adminPage);
  await queue.goto();
  await expect(queue.entry(registration.organisationName)).toContainText(registration.submitterId);
  await queue.approve(registration.organisationName);

  await page.goto("/");
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: `Welcome, ${registration.contactName}` })).toBeVisible();
  await expect(page.getByText(`submitter ID ${registration.submitterId}`)).toBeVisible();
});

test("a rejected partner sees the reason", async ({ page, registerPage, adminPage }) => {
  const registration = uniqueRegistration("Rejected");
  await registerPage.goto();
  await registerPage.registerAndSignIn(registration);
  await expect(page.getByRole("heading", { name: "Waiting for approval" })).toBeVisible();

  const queue = new RegistrationsPage(adminPage);
  await queue.goto();
  await queue.reject(registration.organisationName, "The submitter ID is not on the payer's enrollment list; check the letter and register again.");

  await page.reload();
  await expect(page.getByRole("heading", { name: "Registration not approved" })).toBeVisible();
  await expect(page.getByText("not on the payer's enrollment list")).toBeVisible();
});

test("registration errors appear next to their fields and keep what was typed", async ({ page, registerPage }) => {
  const registration = { ...uniqueRegistration("Invalid"), password: "password1234" };
  await registerPage.goto();
  await registerPage.register(registration);
  const password = page.getByLabel("Password", { exact: true });
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("appears in lists of common passwords")).toBeVisible();
  await expect(page.getByLabel("Organisation name")).toHaveValue(registration.organisationName);
  await expect(password).toHaveValue("");
});

test("registering with an address that has an account answers exactly as for a new one; the owner is told by email", async ({ page, registerPage, adminPage }) => {
  const fresh = uniqueRegistration("Fresh");
  await registerPage.goto();
  await registerPage.register(fresh);
  const freshAnswer = (await registerPage.received().innerText()).replace(fresh.email, "<address>");

  const taken = { ...uniqueRegistration("Taken"), email: e2eCredentials.partner.email };
  await registerPage.goto();
  await registerPage.register(taken);
  await expect(registerPage.received()).toContainText(taken.email);
  expect((await registerPage.received().innerText()).replace(taken.email, "<address>")).toBe(freshAnswer);
  // Nobody was signed in by either.
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in/);

  const inbox = new MailInbox(adminPage);
  await expect(await inbox.textOfLatest(taken.email, /Someone tried to register with your address/)).toContainText("no new account was created");
  await expect(await inbox.textOfLatest(fresh.email, /Your registration on the EDI Transfer Portal/)).toContainText("An administrator checks every registration");
});

test("an admin sees, before deciding, that a registration reuses an approved organisation's submitter ID", async ({ registerPage, adminPage }) => {
  const impostor = { ...uniqueRegistration("Lookalike"), submitterId: "000000050" };
  await registerPage.goto();
  await registerPage.register(impostor);
  await expect(registerPage.received()).toBeVisible();

  const queue = new RegistrationsPage(adminPage);
  await queue.goto();
  const warning = queue.entry(impostor.organisationName).getByRole("region", { name: `Possible duplicates of ${impostor.organisationName}` });
  await expect(warning).toContainText("An approved organisation “Sunshine Family Clinic” already uses submitter ID 000000050.");
  await queue.reject(impostor.organisationName, "This submitter ID belongs to another organisation on the portal.");
});
