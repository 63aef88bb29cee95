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

  async sendTestFile(fileName: string) {
    const section = this.section("Send test file");
    await section.getByLabel("File name").fill(fileName);
    await section.getByRole("button", { name: "Send test file" }).click();
    return section;
  }
}
