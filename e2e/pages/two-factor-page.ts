import { expect, type Page } from "@playwright/test";
import { Authenticator } from "../totp";

/** The second sign-in step at /sign-in/two-factor: enrolment (QR + key + recovery codes) or a code prompt. */
export class TwoFactorPage {
  constructor(private readonly page: Page) {}

  async expectEnrolment() {
    await expect(this.page).toHaveURL(/\/sign-in\/two-factor$/);
    await expect(this.page.getByRole("heading", { name: "Set up two-factor sign-in" })).toBeVisible();
    await expect(this.page.getByRole("img", { name: "QR code for your authenticator app" }).locator("svg")).toBeVisible();
  }

  async expectCodePrompt() {
    await expect(this.page).toHaveURL(/\/sign-in\/two-factor$/);
    await expect(this.page.getByRole("heading", { name: "Enter your code" })).toBeVisible();
  }

  /** Reads the manual-entry key, as a person would type it into an app. */
  async authenticatorFromPage(): Promise<Authenticator> {
    const key = await this.page.getByLabel("Key for manual entry").textContent();
    return Authenticator.fromManualKey(key ?? "");
  }

  async recoveryCodes(): Promise<string[]> {
    return this.page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").allTextContents();
  }

  /** Enrolment: reads the key, confirms with a first code; returns the authenticator. */
  async enrol(): Promise<{ authenticator: Authenticator; recoveryCodes: string[] }> {
    await this.expectEnrolment();
    const authenticator = await this.authenticatorFromPage();
    const recoveryCodes = await this.recoveryCodes();
    await this.page.getByLabel("Code from your authenticator app").fill(await authenticator.nextCode());
    await this.page.getByRole("button", { name: "Confirm and sign in" }).click();
    return { authenticator, recoveryCodes };
  }

  async submitCode(code: string) {
    await this.page.getByLabel("Authentication code").fill(code);
    await this.page.getByRole("button", { name: "Verify" }).click();
  }

  /** A code that should be refused: resolves once the answer is on the page. */
  async submitCodeExpectingRefusal(code: string) {
    const answered = this.page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/sign-in/two-factor");
    await this.submitCode(code);
    await answered;
    await expect(this.page.getByRole("button", { name: "Verify" }).or(this.page.getByRole("link", { name: "Sign in again" }))).toBeVisible();
    return this.page.getByRole("main");
  }
}
