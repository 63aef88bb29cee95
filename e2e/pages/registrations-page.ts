import { expect, type Page } from "@playwright/test";

export class RegistrationsPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto("/admin/registrations");
    await expect(this.page.getByRole("heading", { name: "Registrations", level: 1 })).toBeVisible();
  }

  entry(organisationName: string) {
    return this.page.getByRole("listitem", { name: organisationName });
  }

  async approve(organisationName: string) {
    const entry = this.entry(organisationName);
    await entry.getByRole("button", { name: "Approve" }).click();
    await expect(entry.getByRole("status")).toContainText("approved");
  }

  async reject(organisationName: string, reason: string) {
    const entry = this.entry(organisationName);
    await entry.getByText("Reject…").click();
    await entry.getByLabel("Reason shown to the partner").fill(reason);
    await entry.getByRole("button", { name: "Reject registration" }).click();
    await expect(entry.getByRole("status")).toContainText("rejected");
  }
}
