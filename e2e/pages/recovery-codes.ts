import fs from "node:fs";
import { expect, type Locator, type Page } from "@playwright/test";

/** Recovery codes as shown once (two-factor set-up, or new codes): the list, "Copy all", "Download .txt". */
export class RecoveryCodesPanel {
  constructor(
    private readonly page: Page,
    private readonly scope: Locator,
    private readonly listName: string,
  ) {}

  list() {
    return this.scope.getByRole("list", { name: this.listName, exact: true });
  }

  async codes(): Promise<string[]> {
    await expect(this.list().getByRole("listitem")).toHaveCount(10);
    return this.list().getByRole("listitem").allTextContents();
  }

  /** Clicks "Copy all" and returns what the clipboard holds (the context needs clipboard permissions). */
  async copyAll(): Promise<string> {
    await this.scope.getByRole("button", { name: "Copy all" }).click();
    await expect(this.scope.getByRole("status").filter({ hasText: "Copied 10 recovery codes." })).toBeVisible();
    return this.page.evaluate(() => navigator.clipboard.readText());
  }

  /** Clicks "Download .txt"; returns the file's suggested name and its text. */
  async download(): Promise<{ fileName: string; text: string }> {
    const downloaded = this.page.waitForEvent("download");
    await this.scope.getByRole("link", { name: "Download .txt" }).click();
    const download = await downloaded;
    const filePath = await download.path();
    return { fileName: download.suggestedFilename(), text: fs.readFileSync(filePath, "utf8") };
  }
}
