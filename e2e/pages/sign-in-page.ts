import { expect, type Page } from "@playwright/test";

export class SignInPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto("/sign-in");
    await expect(this.page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  }

  private async submit(email: string, password: string) {
    await this.page.getByLabel("Email").fill(email);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Sign in" }).click();
  }

  /** A sign-in that should succeed: the caller asserts where it lands. */
  async signIn(email: string, password: string) {
    await this.submit(email, password);
  }

  /** A sign-in that should be refused; resolves once the form shows the answer and is ready again. */
  async signInExpectingRefusal(email: string, password: string) {
    const answered = this.page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/sign-in");
    await this.submit(email, password);
    await answered;
    // React resets the form when the action settles, in the same commit that ends "Working…".
    await expect(this.page.getByRole("button", { name: "Sign in" })).toBeEnabled();
    return this.alert();
  }

  alert() {
    // Scoped to the page body: Next.js keeps its own (empty) route-announcer alert on every page.
    return this.page.getByRole("main").getByRole("alert");
  }
}
