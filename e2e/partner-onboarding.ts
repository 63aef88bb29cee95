import { expect, type Page } from "@playwright/test";
import { RegisterPage, uniqueRegistration, type Registration } from "./pages/register-page";
import { RegistrationsPage } from "./pages/registrations-page";

/** A new organisation, registered in `page` (which stays signed in as its org-admin) and approved by the admin. */
export async function approvedPartner(page: Page, adminPage: Page, label: string): Promise<Registration> {
  const registration = uniqueRegistration(label);
  const register = new RegisterPage(page);
  await register.goto();
  await register.registerAndSignIn(registration);
  await expect(page.getByRole("heading", { name: "Waiting for approval" })).toBeVisible();
  const queue = new RegistrationsPage(adminPage);
  await queue.goto();
  await queue.approve(registration.organisationName);
  await page.goto("/");
  await expect(page).toHaveURL(/\/dashboard$/);
  return registration;
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).first().click();
  await expect(page).toHaveURL(/\/sign-in/);
}
