import { expect, type Page } from "@playwright/test";
import { SignInPage } from "./sign-in-page";

export interface Registration {
  organisationName: string;
  submitterId: string;
  contactName: string;
  email: string;
  phone: string;
  password: string;
}

export function uniqueRegistration(label: string): Registration {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  return {
    organisationName: `${label} Clinic ${suffix}`,
    submitterId: `S${suffix}`.slice(0, 15).toUpperCase(),
    contactName: "Morgan Lee",
    email: `morgan.${suffix}@${label.toLowerCase().replace(/\W/g, "")}.example`,
    phone: "+1 555 010 2000",
    password: `harbour lights ${suffix} 77`,
  };
}

export class RegisterPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto("/register");
    await expect(this.page.getByRole("heading", { name: "Register your organisation" })).toBeVisible();
  }

  async register(data: Registration, confirmPassword = data.password) {
    await this.page.getByLabel("Organisation name").fill(data.organisationName);
    await this.page.getByLabel("Submitter / sender ID").fill(data.submitterId);
    await this.page.getByLabel("Contact name").fill(data.contactName);
    await this.page.getByLabel("Email").fill(data.email);
    await this.page.getByLabel("Phone").fill(data.phone);
    await this.page.getByLabel("Password", { exact: true }).fill(data.password);
    await this.page.getByLabel("Confirm password").fill(confirmPassword);
    await this.page.getByRole("button", { name: "Register" }).click();
  }

  /** The answer every accepted registration gets, whether or not the address already had an account. */
  received() {
    return this.page.getByRole("main").getByRole("status");
  }

  /**
   * Registers a new organisation, then signs in as its contact: registering signs nobody in (the
   * answer must not tell a new address from a known one). The caller asserts where it lands.
   */
  async registerAndSignIn(data: Registration) {
    await this.register(data);
    await expect(this.received()).toContainText(`We have sent an email about this registration to ${data.email.toLowerCase()}`);
    const signIn = new SignInPage(this.page);
    await signIn.goto();
    await signIn.signIn(data.email, data.password);
  }
}
