import { expect, type Browser, type Page } from "@playwright/test";
import { MailInbox } from "./mail-inbox";

export const DEMO_ORGANISATION = "Sunshine Family Clinic";

/** An admin invites a new partner user to the demo clinic by email; the invitee accepts from the emailed link. */
export async function invitePartnerUser(adminPage: Page, browser: Browser, password: string): Promise<{ email: string; page: Page }> {
  const email = `invitee-${Date.now()}-${Math.floor(Math.random() * 1e6)}@clinic.example`;
  await adminPage.goto(`/admin/organisations?q=${encodeURIComponent(DEMO_ORGANISATION)}`);
  await adminPage.getByRole("link", { name: DEMO_ORGANISATION }).click();
  await expect(adminPage.getByRole("heading", { level: 1, name: DEMO_ORGANISATION })).toBeVisible();
  const form = adminPage.getByRole("form", { name: "Invite a user" });
  await form.getByLabel("Email").fill(email);
  await form.getByRole("button", { name: "Email an invitation" }).click();
  await expect(form.getByRole("status")).toContainText(`Invitation emailed to ${email}`);

  const link = await new MailInbox(adminPage).linkInLatest(email, /invited to the EDI Transfer Portal/);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Set up your account" })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
  await page.getByLabel("Your name").fill("Ivy Invitee");
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  return { email, page };
}
