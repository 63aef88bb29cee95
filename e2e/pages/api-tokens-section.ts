import { expect, type Page } from "@playwright/test";
import { submitConfirmingIdentity } from "./identity-check";

/** The "API tokens" section of the partner's Account page. */
export class ApiTokensSection {
  constructor(private readonly page: Page) {}

  get region() {
    return this.page.getByRole("region", { name: "API tokens" });
  }

  async goto() {
    await this.page.goto("/account");
    await expect(this.region).toBeVisible();
  }

  async accountId(destinationName: string): Promise<string> {
    return (await this.region.getByLabel(`Account id for ${destinationName}`).textContent())!.trim();
  }

  /** Creates a token and returns the secret, which the page shows this once. */
  async create(name: string, portalPassword: string): Promise<string> {
    const form = this.region.getByRole("form", { name: "Create an API token" });
    await form.getByLabel("Token name").fill(name);
    await submitConfirmingIdentity({
      field: form.getByLabel("Your portal password"),
      submit: form.getByRole("button", { name: "Create token" }),
      password: portalPassword,
      done: form.getByRole("status").filter({ hasText: "shown only this once" }),
    });
    return (await form.getByLabel("New API token").textContent())!.trim();
  }

  token(name: string) {
    return this.region.getByRole("listitem", { name: `API token ${name}` });
  }

  async revoke(name: string) {
    await this.token(name).getByRole("button", { name: "Revoke" }).click();
    await expect(this.token(name)).toHaveCount(0);
  }
}
