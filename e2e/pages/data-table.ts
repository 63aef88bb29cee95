import { expect, type Locator, type Page } from "@playwright/test";

/**
 * A list table with server-side sortable headers (a link in each <th>, aria-sort on the current
 * one) and previous/next pagination: what the audit log, accounts, organisations and transfer lists share.
 */
export class DataTable {
  readonly table: Locator;

  constructor(
    private readonly page: Page,
    name: string,
  ) {
    this.table = page.getByRole("table", { name, exact: true });
  }

  header(label: string): Locator {
    return this.table.getByRole("columnheader", { name: new RegExp(`^${label.replace(/[()]/g, "\\$&")}`) });
  }

  /** Clicks the header's sort link and waits for the URL to change. */
  async sortBy(label: string): Promise<void> {
    const before = this.page.url();
    await this.header(label).getByRole("link").click();
    await expect(this.page).not.toHaveURL(before);
  }

  /** The body rows (not the header row). */
  rows(): Locator {
    return this.table.locator("tbody tr");
  }

  /** Every body cell's text in one column (0-based). */
  /** Where each row's first link goes: tells rows apart where their texts match (a file sent twice). */
  async rowLinks(): Promise<Array<string | null>> {
    return this.rows().evaluateAll((rows) => rows.map((row) => row.querySelector("a")?.getAttribute("href") ?? null));
  }

  async columnTexts(index: number): Promise<string[]> {
    return (await this.rows().locator(`td:nth-child(${index + 1})`).allInnerTexts()).map((text) => text.trim());
  }

  /**
   * How many lines a cell's text takes: 1 when nothing wrapped. Counts the line boxes of the cell's
   * text (a range over its contents), so a date split as "2026-/12-02" counts 2.
   */
  static async lineCount(cell: Locator): Promise<number> {
    return cell.evaluate((element) => {
      const range = document.createRange();
      range.selectNodeContents(element);
      const tops = new Set(Array.from(range.getClientRects()).filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top)));
      return tops.size;
    });
  }

  /**
   * The horizontal gaps, in pixels, between the text of each header and the next one's: negative or
   * zero when two headers' words run together ("ResultIP").
   */
  async headerTextGaps(): Promise<number[]> {
    return this.table.locator("thead th").evaluateAll((cells) => {
      const boxes = cells.map((cell) => {
        // A sort link's own box (its screen-reader-only hint is positioned out of flow); else the text's.
        const link = cell.querySelector("a");
        if (link) return link.getBoundingClientRect();
        const range = document.createRange();
        range.selectNodeContents(cell);
        return range.getBoundingClientRect();
      });
      return boxes.slice(1).map((box, i) => box.left - boxes[i].right);
    });
  }

  pagination(label: string): Locator {
    return this.page.getByRole("navigation", { name: label });
  }
}
