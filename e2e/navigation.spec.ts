import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

async function visitEveryNavItem(page: Page, start: string, labels: string[]) {
  await page.goto(start);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link")).toHaveText(labels);
  for (const label of labels) {
    await nav.getByRole("link", { name: label }).click();
    await expect(nav.getByRole("link", { name: label })).toHaveAttribute("aria-current", "page");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.getByText(/application error|unhandled|stack/i)).toHaveCount(0);
  }
}

test("a partner finds Dashboard, Upload, History, Payer files, Keys & credentials and Troubleshooting", async ({ partnerPage }) => {
  await visitEveryNavItem(partnerPage, "/dashboard", ["Dashboard", "Upload", "History", "Payer files", "Keys & credentials", "Troubleshooting"]);
});

test("an admin finds Registrations, Organisations, Destinations, Accounts, Payer files, Keys, Operations, Audit, Exports and Mail", async ({ adminPage }) => {
  await visitEveryNavItem(adminPage, "/admin/registrations", ["Registrations", "Organisations", "Destinations", "Accounts", "Payer files", "Keys", "Operations", "Audit", "Exports", "Mail"]);
  await adminPage.goto("/admin/audit");
  await expect(adminPage.getByRole("cell", { name: "auth.sign_in" }).first()).toBeVisible();
});

test("support finds Transfers, Payer files, Organisations and Diagnostics", async ({ supportPage }) => {
  await visitEveryNavItem(supportPage, "/support/transfers", ["Transfers", "Payer files", "Organisations", "Diagnostics"]);
});

test("each role is kept inside its own area", async ({ partnerPage, supportPage }) => {
  await partnerPage.goto("/admin/registrations");
  await expect(partnerPage).toHaveURL(/\/dashboard$/);
  await supportPage.goto("/admin/audit");
  await expect(supportPage).toHaveURL(/\/support\/transfers$/);
  await supportPage.goto("/dashboard");
  await expect(supportPage).toHaveURL(/\/support\/transfers$/);
});

test("the health endpoint reports the database and version", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body).toMatchObject({ status: "ok", database: { status: "ok" } });
  expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
});
