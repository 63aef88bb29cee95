import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/**
 * Headers a client controls, sent to the running portal: none of them may change who the caller
 * is, where links and redirects point, which IP is recorded, or whether an action runs.
 */

const SUBREQUEST_VARIANTS = [
  "middleware",
  "src/middleware",
  "pages/_middleware",
  "proxy",
  "src/proxy",
  "middleware:middleware:middleware:middleware:middleware",
  "src/middleware:src/middleware:src/middleware:src/middleware:src/middleware",
  "proxy:proxy:proxy:proxy:proxy",
  "src/proxy:src/proxy:src/proxy:src/proxy:src/proxy",
];

const EVIL = "evil.example";
const SPOOFED_IP = "198.51.100.66";
const SPOOFING_HEADERS = {
  "x-forwarded-host": EVIL,
  "x-forwarded-for": SPOOFED_IP,
  "x-forwarded-proto": "https",
  "x-real-ip": SPOOFED_IP,
  forwarded: `for=${SPOOFED_IP};host=${EVIL};proto=https`,
  "x-portal-client-ip": SPOOFED_IP,
  "x-original-url": "/admin/audit",
  "x-rewrite-url": "/admin/audit",
  "x-invoke-path": "/admin/audit",
  "x-middleware-rewrite": "/admin/audit",
  "x-middleware-next": "1",
};

test("x-middleware-subrequest in every known form reaches nothing without a session: pages, exports, API", async ({ request }) => {
  for (const value of SUBREQUEST_VARIANTS) {
    const page = await request.get("/admin/audit", { headers: { "x-middleware-subrequest": value }, maxRedirects: 0 });
    expect(page.status(), value).toBe(307);
    expect(page.headers()["location"], value).toMatch(/\/sign-in$/);
    const exported = await request.get("/api/transfers/export", { headers: { "x-middleware-subrequest": value } });
    expect(exported.status(), value).toBe(401);
    const api = await request.get("/api/v1/transfers", { headers: { "x-middleware-subrequest": value } });
    expect(api.status(), value).toBe(401);
  }
});

test("spoofed forwarding and rewrite headers change neither the redirect, the links nor the page served", async ({ request }) => {
  const redirected = await request.get("/dashboard", { headers: SPOOFING_HEADERS, maxRedirects: 0 });
  expect(redirected.status()).toBe(307);
  expect(redirected.headers()["location"]).not.toContain(EVIL);
  expect(redirected.headers()["location"]).toMatch(/\/sign-in$/);
  // No HSTS because a client said "https".
  expect(redirected.headers()["strict-transport-security"]).toBeUndefined();

  const signIn = await request.get("/sign-in", { headers: SPOOFING_HEADERS });
  expect(signIn.status()).toBe(200);
  const html = await signIn.text();
  expect(html).not.toContain(EVIL);
  expect(html).not.toContain("Audit log");

  // Auth.js builds its URLs from the request: they must stay on our own origin.
  const csrf = await request.get("/api/auth/providers", { headers: SPOOFING_HEADERS });
  expect(await csrf.text()).not.toContain(EVIL);
});

test("a Host header naming another site does not turn redirects into links to it", async ({ request }) => {
  const response = await request.get("/dashboard", { headers: { host: EVIL }, maxRedirects: 0 });
  const location = response.headers()["location"] ?? "";
  expect(location).not.toContain(EVIL);
});

/** The audit row of a failed sign-in for this email, as the admin sees it. */
async function auditRowFor(adminPage: Page, email: string) {
  await adminPage.goto(`/admin/audit?q=${encodeURIComponent(email)}`);
  const row = adminPage.getByRole("row").filter({ hasText: email });
  await expect(row).toHaveCount(1);
  return row;
}

test("the client IP recorded for a sign-in is the socket's, whatever forwarding headers say", async ({ browser, adminPage }) => {
  const context = await browser.newContext({ extraHTTPHeaders: SPOOFING_HEADERS });
  const page = await context.newPage();
  const email = `spoof-${Date.now()}@example.com`;
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password at all");
  const answered = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/sign-in");
  await page.getByRole("button", { name: "Sign in" }).click();
  await answered;
  await context.close();
  const row = await auditRowFor(adminPage, email);
  await expect(row).not.toContainText(SPOOFED_IP);
  await expect(row).toContainText(/127\.0\.0\.1|::1/);
});

/** The daily-summary toggle on the account page: a real state-changing server action. */
async function dailySummaryForm(page: Page) {
  await page.goto("/account");
  const form = page.getByRole("form", { name: "Daily summary email" });
  await expect(form).toBeVisible();
  const status = (await form.locator("strong").textContent())?.trim();
  const fields: Record<string, string> = {};
  for (const input of await form.locator("input[type=hidden]").all()) {
    const name = await input.getAttribute("name");
    if (name) fields[name] = (await input.getAttribute("value")) ?? "";
  }
  expect(Object.keys(fields).some((name) => name.startsWith("$ACTION"))).toBe(true);
  return { status, fields };
}

async function postAction(request: APIRequestContext, fields: Record<string, string>, origin: string) {
  return request.post("/account", { multipart: fields, headers: { origin, accept: "text/html" }, maxRedirects: 0 });
}

test("a server-action POST from another origin changes nothing; the same POST from our origin does", async ({ partnerPage, baseURL }) => {
  const before = await dailySummaryForm(partnerPage);
  const foreign = await postAction(partnerPage.request, before.fields, `https://${EVIL}`);
  expect(foreign.status()).toBeGreaterThanOrEqual(400);
  expect((await dailySummaryForm(partnerPage)).status).toBe(before.status);

  // The control: the very same request from our own origin is accepted and flips the setting.
  const own = await postAction(partnerPage.request, before.fields, new URL(baseURL!).origin);
  expect(own.status()).toBeLessThan(400);
  const after = await dailySummaryForm(partnerPage);
  expect(after.status).not.toBe(before.status);
  // Put it back as it was.
  await postAction(partnerPage.request, after.fields, new URL(baseURL!).origin);
  expect((await dailySummaryForm(partnerPage)).status).toBe(before.status);
});
