import { expect, type Page } from "@playwright/test";

export class DestinationPage {
  constructor(private readonly page: Page) {}

  async open(name: string) {
    await this.page.goto("/admin/destinations");
    await this.page.getByRole("link", { name }).click();
    await expect(this.page.getByRole("heading", { level: 1, name })).toBeVisible();
  }

  section(title: string) {
    return this.page.getByRole("region", { name: title });
  }

  async fetchIdentity() {
    const section = this.section(await this.identitySectionTitle());
    await section.getByRole("button", { name: "Fetch and review" }).click();
    return section.getByLabel("Presented identity");
  }

  private async identitySectionTitle() {
    return (await this.page.getByRole("region", { name: "Host key" }).count()) ? "Host key" : "Certificate";
  }

  /** FTPS: the line that says which certificate verification the destination uses. */
  tlsVerification() {
    return this.page.getByTestId("tls-verification");
  }

  pinnedFingerprints() {
    return this.section("Certificate").getByLabel("Pinned fingerprints");
  }

  async removePin(fingerprint: string) {
    const row = this.pinnedFingerprints().getByRole("listitem").filter({ hasText: fingerprint });
    await row.getByRole("button", { name: "Remove" }).click();
    await expect(row).toHaveCount(0);
  }

  /** After fetchIdentity: pin what the server presented; returns the identity panel. */
  async pinPresentedCertificate() {
    const identity = this.section("Certificate").getByLabel("Presented identity");
    await identity.getByRole("button", { name: "Pin this certificate" }).click();
    return identity;
  }

  async pinPublishedFingerprint(fingerprint: string) {
    const form = this.page.getByRole("form", { name: "Pin a published fingerprint" });
    await form.getByRole("textbox").fill(fingerprint);
    await form.getByRole("button", { name: "Pin fingerprint" }).click();
    await expect(this.pinnedFingerprints()).toContainText(fingerprint);
  }

  async sendTestFile(fileName: string) {
    const section = this.section("Send test file");
    await section.getByLabel("File name").fill(fileName);
    await section.getByRole("button", { name: "Send test file" }).click();
    return section;
  }
}
