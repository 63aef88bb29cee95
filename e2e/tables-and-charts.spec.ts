import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DataTable } from "./pages/data-table";
import { TransferStatsPanel } from "./pages/transfer-stats";
import { DEMO_ORGANISATION } from "./pages/accounts";
import { type Registration } from "./pages/register-page";
import { approvedPartner } from "./partner-onboarding";
import { createPartnerAccount, createUnreachableDestination, uploadTestFile } from "./pages/unreachable-payer";

/*
 * Issue #17, points 7 and 8: tables people can read (separate columns, dates on one line, sortable
 * headers with aria-sort, previous/next pages) and charts with axes, tooltips, an empty state and
 * failure causes linked to their guides.
 */

const desktop = { width: 1280, height: 900 };
const shortDay = (date: Date) => `${date.getUTCDate()} ${["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][date.getUTCMonth()]}`;

/**
 * Whether a column reads in order: by code units (PGlite's "C" collation) or by the locale (a
 * PostgreSQL server's default collation), whichever the database used.
 */
function isSorted(values: string[], direction: "asc" | "desc" = "asc"): boolean {
  const list = direction === "asc" ? values : [...values].reverse();
  const byCodeUnits = list.every((value, i) => i === 0 || list[i - 1] <= value);
  const byLocale = list.every((value, i) => i === 0 || list[i - 1].localeCompare(value) <= 0);
  return byCodeUnits || byLocale;
}

/** Fails the test on any Content-Security-Policy report in the console (Recharts sets style attributes). */
function collectCspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to apply inline style/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

test.describe("tables", () => {
  test("the audit log shows separate, readable columns at 1280 px", async ({ adminPage }) => {
    await adminPage.setViewportSize(desktop);
    await adminPage.goto("/admin/audit?action=auth.sign_in");
    const audit = new DataTable(adminPage, "Audit log");
    await expect(audit.rows().first()).toBeVisible();
    await expect(audit.table.locator("thead th")).toHaveText([/^Time \(UTC\)/, /^Actor/, /^Role/, /^Action/, /^Target/, /^Result/, "IP address"]);
    for (const gap of await audit.headerTextGaps()) expect(gap).toBeGreaterThanOrEqual(12);

    const signIn = audit.rows().filter({ hasText: "auth.sign_in" }).first();
    const cells = signIn.getByRole("cell");
    await expect(cells).toHaveCount(7);
    await expect(cells.nth(0)).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    await expect(cells.nth(1)).toHaveText(/^\S+@\S+$/);
    await expect(cells.nth(2)).toHaveText(/^(admin|partner|support|system|—)$/);
    await expect(cells.nth(3)).toHaveText("auth.sign_in");
    await expect(cells.nth(5)).toHaveText(/^(success|failure|denied)$/);
    await expect(cells.nth(6)).toHaveText(/^([0-9a-f.:]+|—)$/);
    expect(await DataTable.lineCount(cells.nth(0))).toBe(1);
    expect(await DataTable.lineCount(cells.nth(2))).toBe(1);
  });

  test("the accounts table keeps dates whole and says a key is not used on FTPS", async ({ adminPage }) => {
    await adminPage.setViewportSize(desktop);
    await adminPage.goto("/admin/accounts");
    const accounts = new DataTable(adminPage, "Partner accounts");
    for (const gap of await accounts.headerTextGaps()) expect(gap).toBeGreaterThanOrEqual(12);
    // Paged like every long list: where this page sits, with previous / next.
    await expect(adminPage.getByRole("navigation", { name: "Partner account pages" })).toContainText(/1–\d+ of \d+ accounts?/);

    const sftp = adminPage.getByRole("row", { name: `${DEMO_ORGANISATION} on Sandbox payer (SFTP, password + key)` });
    const sftpCells = sftp.getByRole("cell");
    await expect(sftpCells.nth(5)).toHaveText("yes");
    const passwordSet = sftpCells.nth(4).getByText(/^password (set \d{4}-\d{2}-\d{2}|not set)$/);
    await expect(passwordSet).toBeVisible();
    expect(await DataTable.lineCount(passwordSet)).toBe(1);
    expect(await DataTable.lineCount(sftpCells.nth(6))).toBe(1);

    const ftps = adminPage.getByRole("row", { name: `${DEMO_ORGANISATION} on Sandbox clearinghouse (FTPS explicit)` });
    await expect(ftps.getByRole("cell").nth(5)).toHaveText(/^(— )?not used$/);
  });

  test("sorting by a header changes the order and sets aria-sort", async ({ adminPage }) => {
    await adminPage.goto("/admin/audit");
    const audit = new DataTable(adminPage, "Audit log");
    await expect(audit.header("Time (UTC)")).toHaveAttribute("aria-sort", "descending");
    await expect(audit.header("Action")).toHaveAttribute("aria-sort", "none");

    await audit.sortBy("Action");
    await expect(adminPage).toHaveURL(/sort=action&dir=asc|dir=asc.*sort=action|sort=action.*dir=asc/);
    await expect(audit.header("Action")).toHaveAttribute("aria-sort", "ascending");
    await expect(audit.header("Time (UTC)")).toHaveAttribute("aria-sort", "none");
    const ascending = await audit.columnTexts(3);
    expect(ascending.length).toBeGreaterThan(1);
    expect(isSorted(ascending)).toBe(true);

    await audit.sortBy("Action");
    await expect(audit.header("Action")).toHaveAttribute("aria-sort", "descending");
    const descending = await audit.columnTexts(3);
    expect(isSorted(descending, "desc")).toBe(true);
    expect(descending).not.toEqual(ascending);

    // The accounts table sorts the same way, by user name.
    await adminPage.goto("/admin/accounts");
    const accounts = new DataTable(adminPage, "Partner accounts");
    await expect(accounts.header("Organisation")).toHaveAttribute("aria-sort", "ascending");
    await accounts.sortBy("User");
    await expect(accounts.header("User")).toHaveAttribute("aria-sort", "ascending");
    const users = await accounts.columnTexts(2);
    expect(isSorted(users)).toBe(true);
  });

  test("the transfer list sorts by file name and pages with previous and next from the keyboard", async ({ partnerPage }) => {
    await partnerPage.goto("/history?limit=1");
    const history = new DataTable(partnerPage, "Transfers");
    await expect(history.header("Received (UTC)")).toHaveAttribute("aria-sort", "descending");
    const pages = history.pagination("Transfer pages");
    await expect(pages).toContainText(/1–1 of \d+ transfers/);
    const total = Number((await pages.textContent())!.match(/of (\d+)/)![1]);
    expect(total).toBeGreaterThanOrEqual(2);
    await expect(pages.getByText("← Previous")).toHaveAttribute("aria-disabled", "true");

    // Rows told apart by the transfer they link to: two transfers may carry the same file name.
    const first = await history.rowLinks();
    expect(first).toEqual([expect.stringMatching(/^\/transfers\/[0-9a-f-]{36}$/)]);
    await pages.getByRole("link", { name: "Next →" }).focus();
    await partnerPage.keyboard.press("Enter");
    await expect(pages).toContainText(`2–2 of ${total} transfers`);
    const second = await history.rowLinks();
    expect(second).not.toEqual(first);
    await pages.getByRole("link", { name: "← Previous" }).focus();
    await partnerPage.keyboard.press("Enter");
    await expect(pages).toContainText(`1–1 of ${total} transfers`);
    expect(await history.rowLinks()).toEqual(first);

    await partnerPage.goto("/history");
    await history.sortBy("File");
    await expect(history.header("File")).toHaveAttribute("aria-sort", "ascending");
    const names = await history.columnTexts(0);
    expect(isSorted(names)).toBe(true);
    // Sizes read like sizes, never raw byte counts.
    for (const size of await history.columnTexts(4)) expect(size).toMatch(/^\d+(\.\d)? (bytes|KiB|MiB|GiB)$/);
  });
});

test.describe("charts", () => {
  test("the dashboard chart has dated and counted axes, fills its card and shows a tooltip on hover", async ({ partnerPage }) => {
    const violations = collectCspViolations(partnerPage);
    await partnerPage.setViewportSize(desktop);
    await partnerPage.goto("/dashboard");
    const stats = new TransferStatsPanel(partnerPage);
    await expect(stats.surface()).toBeVisible();
    await expect(stats.xTicks().last()).toHaveText(shortDay(new Date()));
    expect(await stats.yTicks().count()).toBeGreaterThan(1);
    await expect(stats.yTicks().first()).toHaveText("0");

    // The chart fills its card: the drawing is as wide as the card's content box, give or take padding.
    const card = (await stats.region.locator("figure").boundingBox())!;
    const svg = (await stats.surface().boundingBox())!;
    expect(svg.width).toBeGreaterThan(card.width - 48);

    await stats.hoverToday();
    await expect(stats.tooltip()).toBeVisible();
    await expect(stats.tooltip()).toContainText(`${shortDay(new Date())} (UTC)`);
    await expect(stats.tooltip()).toContainText("Delivered");
    expect(violations).toEqual([]);
  });
});

test.describe("an organisation's first transfers", () => {
  test.describe.configure({ mode: "serial" });
  const suffix = Date.now().toString(36);
  const payer = `Chart Payer ${suffix}`;
  let clinic: Registration;
  let clinicPage: Page;

  test.afterAll(async () => {
    await clinicPage?.context().close();
  });

  test("an organisation without transfers shows 'No transfers yet' instead of an empty chart", async ({ browser, adminPage }) => {
    clinicPage = await (await browser.newContext()).newPage();
    clinic = await approvedPartner(clinicPage, adminPage, "Charts");
    await adminPage.goto(`/admin/organisations?q=${encodeURIComponent(clinic.organisationName)}`);
    const organisations = new DataTable(adminPage, "Organisations");
    const row = adminPage.getByRole("row", { name: clinic.organisationName });
    // Its org-admin counts as a user (the list showed 0 for every organisation).
    await expect(row.getByRole("cell").nth(3)).toHaveText("1");
    await expect(organisations.header("Organisation")).toHaveAttribute("aria-sort", "ascending");
    await row.getByRole("link", { name: clinic.organisationName }).click();
    const stats = new TransferStatsPanel(adminPage, adminPage.getByRole("region", { name: "Transfers", exact: true }));
    await expect(stats.region.getByText("No transfers yet")).toBeVisible();
    await expect(stats.chart).toHaveCount(0);

    await clinicPage.goto("/dashboard");
    await expect(new TransferStatsPanel(clinicPage).region.getByText("No transfers yet")).toBeVisible();
  });

  test("a failure cause links to its guide", async ({ adminPage }) => {
    await createUnreachableDestination(adminPage, payer);
    await createPartnerAccount(adminPage, clinic.organisationName, payer, `clinic-${suffix}`);
    // No payer password stored: the relay stops at once with CREDENTIALS_MISSING.
    const transferUrl = await uploadTestFile(clinicPage, `${payer} (user clinic-${suffix})`, `CHART-${suffix}.X12`, clinic.submitterId);
    await clinicPage.goto(transferUrl);
    await expect(clinicPage.getByText("needs attention", { exact: true })).toBeVisible({ timeout: 30_000 });

    await clinicPage.goto("/dashboard");
    const stats = new TransferStatsPanel(clinicPage);
    await expect(stats.surface()).toBeVisible();
    const cause = stats.failureCauses().getByRole("listitem").filter({ hasText: "CREDENTIALS_MISSING" });
    await expect(cause).toContainText("1");
    const guide = cause.getByRole("link", { name: /^Guide: / });
    await expect(guide).toHaveAttribute("href", /^\/guides\/[a-z0-9-]+$/);
    await guide.click();
    await expect(clinicPage).toHaveURL(/\/guides\/[a-z0-9-]+$/);
    await expect(clinicPage.getByRole("heading", { level: 1 })).toBeVisible();
  });
});
