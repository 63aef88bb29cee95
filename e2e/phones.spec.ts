import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { AppShell, DESKTOP, PHONE, sidewaysOverflow } from "./pages/app-shell";
import { someTransferPath } from "./some-transfer";

/** Each role's main pages: its sections, its account pages, and a page or two under each list. */
const mainPages = {
  partner: ["/dashboard", "/upload", "/history", "/responses", "/keys", "/troubleshooting", "/guides", "/account", "/account/webhooks"],
  admin: [
    "/admin/registrations",
    "/admin/organisations",
    "/admin/destinations",
    "/admin/destinations/new",
    "/admin/accounts",
    "/responses",
    "/admin/keys",
    "/admin/operations",
    "/admin/audit",
    "/admin/exports",
    "/admin/mail",
    "/account",
    "/account/webhooks",
  ],
  support: ["/support/transfers", "/responses", "/support/organisations", "/support/diagnostics", "/guides", "/account"],
};

/** The first page a list links to under `prefix` (a destination, an organisation, a guide …), if any. */
async function firstLinkUnder(page: Page, listPath: string, prefix: string): Promise<string[]> {
  await page.goto(listPath);
  const links = page.locator(`main a[href^="${prefix}"]`);
  if ((await links.count()) === 0) return [];
  return [(await links.first().getAttribute("href"))!];
}

/** Visits each path at phone and desktop width and lists every page wider than the window. */
async function expectNoSidewaysScroll(page: Page, paths: string[]) {
  const wide: string[] = [];
  for (const viewport of [PHONE, DESKTOP]) {
    await page.setViewportSize(viewport);
    for (const path of paths) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      const { scrollWidth, clientWidth, culprits } = await sidewaysOverflow(page);
      // scrollWidth <= clientWidth implies scrollWidth <= window.innerWidth (the scroll bar included).
      if (scrollWidth > clientWidth) wide.push(`${path} at ${viewport.width} px: ${scrollWidth} > ${clientWidth} (${culprits.join(", ")})`);
    }
  }
  expect(wide, "pages that scroll sideways").toEqual([]);
}

test.describe("no page scrolls sideways at 390 or 1280 px", () => {
  test("partner pages", async ({ partnerPage }) => {
    const nested = [
      await someTransferPath(partnerPage),
      ...(await firstLinkUnder(partnerPage, "/guides", "/guides/")),
      ...(await firstLinkUnder(partnerPage, "/troubleshooting", "/troubleshooting/setup/")),
      ...(await firstLinkUnder(partnerPage, "/responses", "/responses/")),
    ];
    await expectNoSidewaysScroll(partnerPage, [...mainPages.partner, ...nested]);
  });

  test("admin pages", async ({ adminPage }) => {
    const nested = [
      ...(await firstLinkUnder(adminPage, "/admin/destinations", "/admin/destinations/")).filter((path) => !path.endsWith("/new")),
      ...(await firstLinkUnder(adminPage, "/admin/organisations", "/admin/organisations/")),
      ...(await firstLinkUnder(adminPage, "/admin/mail", "/admin/mail/")),
    ];
    await expectNoSidewaysScroll(adminPage, [...mainPages.admin, ...nested]);
  });

  test("support pages", async ({ supportPage, partnerPage }) => {
    const nested = [
      await someTransferPath(partnerPage),
      ...(await firstLinkUnder(supportPage, "/support/organisations", "/support/organisations/")),
      ...(await firstLinkUnder(supportPage, "/guides", "/guides/")),
    ];
    await expectNoSidewaysScroll(supportPage, [...mainPages.support, ...nested]);
  });
});

test("a wide table scrolls inside its own box, with a hint, only when it has to", async ({ adminPage }) => {
  await adminPage.setViewportSize(PHONE);
  await adminPage.goto("/admin/destinations");
  const box = adminPage.getByRole("region", { name: "Destinations table" });
  await expect(box.getByRole("table")).toBeVisible();
  await expect(adminPage.getByText("Scroll sideways to see every column")).toBeVisible();
  // A keyboard reaches the box and scrolls it.
  await box.focus();
  await expect(box).toBeFocused();
  await adminPage.keyboard.press("ArrowRight");
  await expect.poll(() => box.evaluate((element) => element.scrollLeft)).toBeGreaterThan(0);

  await adminPage.setViewportSize(DESKTOP);
  await expect(adminPage.getByText("Scroll sideways to see every column")).toHaveCount(0);
});

test.describe("the phone menu", () => {
  test("opens with the partner's sections, marks the current one, navigates and closes", async ({ partnerPage }) => {
    const shell = new AppShell(partnerPage);
    await partnerPage.setViewportSize(PHONE);
    await partnerPage.goto("/dashboard");
    // The row of tabs is folded away; the Menu button stands in for it.
    await expect(shell.mainNav()).toHaveCount(0);
    await expect(shell.menuButton()).toHaveAttribute("aria-expanded", "false");

    await shell.openMenu();
    // The open sheet hides the rest of the page from assistive technology, the button included.
    await expect(partnerPage.getByRole("button", { name: "Menu", exact: true, includeHidden: true })).toHaveAttribute("aria-expanded", "true");
    const nav = shell.menu().getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link")).toHaveText(["Dashboard", "Upload", "History", "Payer files", "Keys & credentials", "Troubleshooting"]);
    await expect(nav.getByRole("link", { name: "Dashboard" })).toHaveAttribute("aria-current", "page");
    // Focus starts on the current section, and stays inside the sheet.
    await expect(nav.getByRole("link", { name: "Dashboard" })).toBeFocused();

    await nav.getByRole("link", { name: "History" }).click();
    await expect(partnerPage).toHaveURL(/\/history$/);
    await expect(shell.menu()).toHaveCount(0);
    await expect(partnerPage.getByRole("heading", { level: 1 })).toBeVisible();

    await shell.openMenu();
    await expect(shell.menu().getByRole("link", { name: "History" })).toHaveAttribute("aria-current", "page");
    // Escape closes it and gives focus back to the button.
    await partnerPage.keyboard.press("Escape");
    await expect(shell.menu()).toHaveCount(0);
    await expect(shell.menuButton()).toBeFocused();

    // The Close button closes it too.
    await shell.openMenu();
    await shell.menu().getByRole("button", { name: "Close" }).click();
    await expect(shell.menu()).toHaveCount(0);
  });

  test("lists the admin's and support's sections", async ({ adminPage, supportPage }) => {
    for (const [page, labels] of [
      [adminPage, ["Registrations", "Organisations", "Destinations", "Accounts", "Payer files", "Keys", "Operations", "Audit", "Exports", "Mail"]],
      [supportPage, ["Transfers", "Payer files", "Organisations", "Diagnostics"]],
    ] as const) {
      const shell = new AppShell(page);
      await page.setViewportSize(PHONE);
      await page.goto("/");
      await shell.openMenu();
      await expect(shell.menu().getByRole("link")).toHaveText([...labels]);
      await expect(shell.menu().locator('a[aria-current="page"]')).toHaveText(labels[0]);
      await shell.menu().getByRole("link", { name: labels[1] }).click();
      await expect(shell.menu()).toHaveCount(0);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    }
  });

  test("is not there on a wide screen, where the tabs are", async ({ partnerPage }) => {
    const shell = new AppShell(partnerPage);
    await partnerPage.setViewportSize(DESKTOP);
    await partnerPage.goto("/dashboard");
    await expect(shell.mainNav().getByRole("link")).toHaveCount(6);
    await expect(shell.menuButton()).toBeHidden();
  });
});
