import { expect, type Page } from "@playwright/test";

/** The admin's capture inbox at /admin/mail. */
export class MailInbox {
  constructor(private readonly page: Page) {}

  /** Opens the newest message to `to` whose subject matches, and returns the first link in its text. */
  async linkInLatest(to: string, subject: RegExp): Promise<string> {
    await this.page.goto(`/admin/mail?q=${encodeURIComponent(to)}`);
    const row = this.page.getByRole("table", { name: "Messages" }).getByRole("row").filter({ hasText: to }).filter({ hasText: subject }).first();
    await row.getByRole("link", { name: subject }).click();
    const text = this.page.getByRole("article", { name: "Message text" });
    await expect(text).toBeVisible();
    const href = await text.getByRole("link").first().getAttribute("href");
    expect(href).toBeTruthy();
    return href!;
  }

  /** Opens the newest message to `to` whose subject matches, and returns its text. */
  async textOfLatest(to: string, subject: RegExp) {
    await this.page.goto(`/admin/mail?q=${encodeURIComponent(to)}`);
    const row = this.page.getByRole("table", { name: "Messages" }).getByRole("row").filter({ hasText: to }).filter({ hasText: subject }).first();
    await row.getByRole("link", { name: subject }).click();
    const text = this.page.getByRole("article", { name: "Message text" });
    await expect(text).toBeVisible();
    return text;
  }

  /**
   * For mail the notification dispatcher sends after a commit: opens the newest message to `to` whose
   * subject matches, until one containing `containing` is there (the inbox page is asked again each time).
   */
  async waitForText(to: string, subject: RegExp, containing: string) {
    const text = this.page.getByRole("article", { name: "Message text" });
    await expect(async () => {
      await this.textOfLatest(to, subject);
      await expect(text).toContainText(containing, { timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    return text;
  }
}
