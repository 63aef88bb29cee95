import { expect, type Page, type Response } from "@playwright/test";

/** The portal's 404: inside the app shell when signed in, a plain page with "Sign in" when not. */
export class NotFoundPage {
  constructor(private readonly page: Page) {}

  async goto(path: string): Promise<Response | null> {
    const response = await this.page.goto(path);
    expect(response?.status()).toBe(404);
    await expect(this.heading()).toBeVisible();
    return response;
  }

  heading() {
    return this.page.getByRole("heading", { level: 1, name: "Page not found" });
  }

  /** The shell appears once: one banner (header) and one main landmark, the heading inside main. */
  async expectInsideShell() {
    await expect(this.page.getByRole("banner")).toHaveCount(1);
    await expect(this.page.getByRole("banner")).toContainText("EDI Transfer Portal");
    await expect(this.page.getByRole("main")).toHaveCount(1);
    await expect(this.page.getByRole("main").getByRole("heading", { name: "Page not found" })).toBeVisible();
    await expect(this.page.getByRole("link", { name: "Go to your start page" })).toBeVisible();
  }

  async expectSignedOut() {
    await expect(this.page.getByRole("banner")).toHaveCount(0);
    await expect(this.page.getByRole("main").getByRole("link", { name: "Sign in" })).toBeVisible();
  }
}
