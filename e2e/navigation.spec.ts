import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { AppShell } from "./pages/app-shell";
import { someTransferPath } from "./some-transfer";

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

test.describe("a page inside a section highlights that section", () => {
  async function expectCurrent(page: Page, path: string, label: string) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(new AppShell(page).currentSection()).toHaveText(label);
  }

  test("for a partner: a transfer under History, guides and diagnoses under Troubleshooting", async ({ partnerPage }) => {
    const transfer = await someTransferPath(partnerPage);
    await expectCurrent(partnerPage, transfer, "History");
    await expectCurrent(partnerPage, "/guides", "Troubleshooting");
    await partnerPage.goto("/troubleshooting");
    const setup = partnerPage.locator('main a[href^="/troubleshooting/setup/"]').first();
    if (await setup.count()) await expectCurrent(partnerPage, (await setup.getAttribute("href"))!, "Troubleshooting");
    // A page outside every section marks none.
    await partnerPage.goto("/account");
    await expect(new AppShell(partnerPage).currentSection()).toHaveCount(0);
  });

  test("for support: the same transfer under Transfers", async ({ partnerPage, supportPage }) => {
    const transfer = await someTransferPath(partnerPage);
    await expectCurrent(supportPage, transfer, "Transfers");
    await supportPage.goto("/support/organisations");
    await supportPage.locator('main a[href^="/support/organisations/"]').first().click();
    await expect(new AppShell(supportPage).currentSection()).toHaveText("Organisations");
  });

  test("for an admin: a destination, a new destination, an organisation and a message under their lists", async ({ adminPage }) => {
    await expectCurrent(adminPage, "/admin/destinations/new", "Destinations");
    await adminPage.goto("/admin/destinations");
    await adminPage.locator('main a[href^="/admin/destinations/"]:not([href$="/new"])').first().click();
    await expect(adminPage).toHaveURL(/\/admin\/destinations\/[0-9a-f-]{36}$/);
    await expect(new AppShell(adminPage).currentSection()).toHaveText("Destinations");
    await adminPage.goto("/admin/organisations");
    await adminPage.locator('main a[href^="/admin/organisations/"]').first().click();
    await expect(adminPage).toHaveURL(/\/admin\/organisations\/[0-9a-f-]{36}$/);
    await expect(new AppShell(adminPage).currentSection()).toHaveText("Organisations");
    // A fresh database may hold no message yet.
    await adminPage.goto("/admin/mail");
    const message = adminPage.locator('main a[href^="/admin/mail/"]').first();
    if (await message.count()) {
      await message.click();
      await expect(adminPage).toHaveURL(/\/admin\/mail\/[0-9a-f-]+$/);
      await expect(new AppShell(adminPage).currentSection()).toHaveText("Mail");
    }
  });
});
