import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { type Registration } from "./pages/register-page";
import { approvedPartner } from "./partner-onboarding";
import { createPartnerAccount, createUnreachableDestination, storeUpstreamPassword, uploadTestFile } from "./pages/unreachable-payer";

/*
 * One new clinic with an account on a payer whose server does not answer (a closed port), next to
 * the demo clinic, which has no account there. The e2e server runs with
 * DESTINATION_DOWN_AFTER_MINUTES=0, so two refused connections are enough to call the payer down.
 */
test.describe.configure({ mode: "serial" });

const suffix = Date.now().toString(36);
const payer = `Unreachable Health ${suffix}`;
const accountLabel = `${payer} (user clinic-${suffix})`;
let clinic: Registration;
let clinicPage: Page;

async function registeredClinic(browser: Browser, adminPage: Page): Promise<{ registration: Registration; page: Page }> {
  const page = await (await browser.newContext()).newPage();
  return { registration: await approvedPartner(page, adminPage, "Outage"), page };
}

test.afterAll(async () => {
  await clinicPage?.context().close();
});

test("a transfer that needs attention sends an email that appears in the demo inbox", async ({ browser, adminPage }) => {
  ({ registration: clinic, page: clinicPage } = await registeredClinic(browser, adminPage));
  await createUnreachableDestination(adminPage, payer);
  await createPartnerAccount(adminPage, clinic.organisationName, payer, `clinic-${suffix}`);

  // No payer password stored yet: the relay stops at once with "needs attention".
  const name = `CLAIMS-NOPASSWORD-${suffix}.X12`;
  const transferUrl = await uploadTestFile(clinicPage, accountLabel, name, clinic.submitterId);
  // The upload page follows the file to the end: its row says so, with the guide for the cause.
  const row = clinicPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name });
  await expect(row.getByRole("status")).toContainText("Needs attention", { timeout: 30_000 });
  await expect(row.getByRole("link", { name: /^What to do: / })).toHaveAttribute("href", /^\/guides\/[a-z0-9-]+$/);
  await clinicPage.goto(transferUrl);
  await expect(clinicPage.getByText("needs attention", { exact: true })).toBeVisible({ timeout: 30_000 });

  // The clinic's contact (also its org-admin: one address, one email) is told, in the capture inbox.
  await adminPage.goto(`/admin/mail?q=${encodeURIComponent(name)}`);
  const rows = adminPage.getByRole("table", { name: "Messages" }).getByRole("row").filter({ hasText: name });
  await expect(rows).toHaveCount(1, { timeout: 30_000 });
  await expect(rows).toContainText(clinic.email);
  await rows.getByRole("link", { name: new RegExp(`Action needed: ${name}`) }).click();
  const text = adminPage.getByRole("article", { name: "Message text" });
  await expect(text).toContainText("CREDENTIALS_MISSING");
  const transferId = transferUrl.split("/").pop()!;
  await expect(text.getByRole("link", { name: new RegExp(`/transfers/${transferId}$`) })).toBeVisible();
  const guide = text.getByRole("link", { name: /\/guides\// });
  await expect(guide).toBeVisible();

  // The guide link works.
  await adminPage.goto((await guide.getAttribute("href"))!);
  await expect(adminPage.getByRole("heading", { level: 1 })).toBeVisible();
});

test("a payer that does not answer shows a banner to its partners, and only to them", async ({ partnerPage, adminPage }) => {
  await storeUpstreamPassword(clinicPage, payer, "payer-issued-Pa55word");
  // Two files, two refused connections from the relay.
  for (const label of ["A", "B"]) {
    const transferUrl = await uploadTestFile(clinicPage, accountLabel, `CLAIMS-DOWN-${label}-${suffix}.X12`, clinic.submitterId);
    await clinicPage.goto(transferUrl);
    await expect(clinicPage.getByText("TCP_REFUSED").first()).toBeVisible({ timeout: 30_000 });
  }

  const banner = clinicPage.getByRole("status", { name: "Payer server down" });
  for (const path of ["/dashboard", "/history", "/upload"]) {
    await clinicPage.goto(path);
    await expect(banner).toContainText(`${payer}'s server has not been answering since`);
    await expect(banner).toContainText("queued");
  }

  // The demo clinic sends elsewhere: no banner.
  for (const path of ["/dashboard", "/upload"]) {
    await partnerPage.goto(path);
    await expect(partnerPage.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(partnerPage.getByRole("status", { name: "Payer server down" })).toHaveCount(0);
  }

  // The operator sees it too.
  await adminPage.goto("/admin/operations");
  await expect(adminPage.getByRole("alert", { name: "Destinations down" })).toContainText(payer);
  await expect(adminPage.getByRole("row", { name: payer })).toContainText("down since");
  await expect(adminPage.getByRole("row", { name: payer })).toContainText("TCP_REFUSED");
  // And how responsive the portal process is (startPortal starts the event-loop delay monitor).
  await expect(adminPage.getByRole("heading", { name: "Event-loop delay" })).toBeVisible();
  const eventLoop = adminPage.getByRole("table", { name: "Event-loop delay" });
  await expect(eventLoop.getByRole("row", { name: "Last minute" })).toBeVisible();
  await expect(eventLoop.getByRole("row", { name: "Since start" })).toContainText(/\d+(\.\d)? m?s\b/);
});

test("/api/health/details answers admins only", async ({ playwright, partnerPage, supportPage, adminPage, baseURL }) => {
  const anonymous = await playwright.request.newContext({ baseURL });
  const refused = [
    await anonymous.get("/api/health/details"),
    await anonymous.get("/api/health/details", { headers: { authorization: "Bearer edi_notARealTokenAtAllButTheRightLength000000000" } }),
    await partnerPage.request.get("/api/health/details"),
    await supportPage.request.get("/api/health/details"),
  ];
  expect(refused.map((r) => r.status())).toEqual([401, 401, 403, 403]);
  for (const response of refused) expect(await response.text()).not.toContain("destinations");
  await anonymous.dispose();

  const response = await adminPage.request.get("/api/health/details");
  expect(response.status()).toBe(200);
  const details = await response.json();
  expect(details.queues.map((q: { queue: string }) => q.queue)).toContain("relay");
  expect(details.outages.map((o: { destinationName: string }) => o.destinationName)).toContain(payer);
  expect(details.destinations.find((d: { name: string }) => d.name === payer).last24h.attempts).toBeGreaterThanOrEqual(2);
  expect(details.eventLoop.started).toBe(true);
  for (const figure of ["p50Ms", "p99Ms", "maxMs"]) expect(typeof details.eventLoop.sinceStart[figure], figure).toBe("number");
  expect(details.eventLoop.sinceStart.samples).toBeGreaterThan(0);
});
