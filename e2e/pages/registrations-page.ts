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

  /** Approves, which leads to the organisation's page with its partner accounts as the next step. */
  async approve(organisationName: string) {
    const entry = this.entry(organisationName);
    await entry.getByRole("button", { name: "Approve" }).click();
    await expect(this.page.getByRole("heading", { level: 1, name: organisationName })).toBeVisible();
    await expect(this.nextStep()).toContainText("Registration approved. Next: create its partner accounts.");
  }

  /** On an approved organisation's page without partner accounts: creating them, with the form. */
  nextStep() {
    return this.page.getByRole("region", { name: "Next step" });
  }

  async reject(organisationName: string, reason: string) {
    const entry = this.entry(organisationName);
    await entry.getByText("Reject…").click();
    await entry.getByLabel("Reason shown to the partner").fill(reason);
    await entry.getByRole("button", { name: "Reject registration" }).click();
    await expect(this.decision()).toContainText(`Registration of ${organisationName} rejected.`);
    await expect(entry).toHaveCount(0);
  }

  /** The confirmation of the decision just made, at the top of the queue. */
  decision() {
    return this.page.getByRole("region", { name: "Your decision" }).getByRole("status");
  }
}
