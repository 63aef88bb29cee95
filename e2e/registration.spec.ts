import { expect, RegistrationsPage, test } from "./fixtures";
import { uniqueRegistration } from "./pages/register-page";

test("a partner registers, an admin approves, and the partner reaches the dashboard", async ({ page, registerPage, adminPage }) => {
  const registration = uniqueRegistration("Approved");
  await registerPage.goto();
  await registerPage.register(registration);

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
  await registerPage.register(registration);
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
