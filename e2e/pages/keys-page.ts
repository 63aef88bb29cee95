import { expect, type Page } from "@playwright/test";

/** The partner's "Keys & credentials" page, with its one "Confirm it's you" panel at the top. */
export class KeysPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto("/keys");
    await expect(this.page.getByRole("heading", { level: 1, name: "Keys & credentials" })).toBeVisible();
  }

  get panel() {
    return this.page.getByRole("region", { name: "Confirm it's you" });
  }

  get confirmForm() {
    return this.panel.getByRole("form", { name: "Confirm it's you" });
  }

  section(destinationName: string) {
    return this.page.getByRole("region", { name: destinationName });
  }

  /** Confirms with the portal password when the page asks; afterwards every form is unlocked. */
  async confirmIfAsked(portalPassword: string) {
    await expect(this.panel).toBeVisible();
    if (await this.confirmForm.isVisible()) {
      await this.confirmForm.getByLabel("Your portal password").fill(portalPassword);
      await this.confirmForm.getByRole("button", { name: "Confirm" }).click();
    }
    await expect(this.panel.getByRole("status")).toContainText("unlocked until");
  }

  /** Ends the five minutes now: the page asks again. */
  async lock() {
    if (await this.confirmForm.isVisible()) return;
    await this.panel.getByRole("button", { name: "Lock now" }).click();
    await expect(this.confirmForm).toBeVisible();
  }
}
