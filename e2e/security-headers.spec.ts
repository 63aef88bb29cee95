import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/** Pages of every kind plus API routes, a static asset, an unknown page and an unknown API path. */
const anonymousUrls = ["/sign-in", "/register", "/api/health", "/api/v1/openapi.json", "/api/v1/transfers", "/api/v1/no-such-thing", "/no-such-page", "/favicon.ico"];

function scriptSources(csp: string): string[] {
  return (csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src")) ?? "").split(/\s+/).slice(1);
}

test("every response carries the CSP and the other security headers, and none names the stack", async ({ request }) => {
  const nonces = new Set<string>();
  for (const url of anonymousUrls) {
    const response = await request.get(url, { maxRedirects: 0 });
    const headers = response.headers();
    const csp = headers["content-security-policy"];
    expect(csp, url).toBeTruthy();
    const scripts = scriptSources(csp);
    expect(scripts, url).toEqual(expect.arrayContaining(["'self'", "'strict-dynamic'"]));
    expect(scripts, url).not.toContain("'unsafe-inline'");
    expect(scripts, url).not.toContain("'unsafe-eval'");
    const nonce = scripts.find((s) => s.startsWith("'nonce-"));
    expect(nonce, url).toMatch(/^'nonce-[A-Za-z0-9+/]{24}'$/);
    nonces.add(nonce!);
    for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'"]) expect(csp, url).toContain(directive);
    expect(headers["x-content-type-options"], url).toBe("nosniff");
    expect(headers["x-frame-options"], url).toBe("DENY");
    expect(headers["referrer-policy"], url).toBe("same-origin");
    expect(headers["x-powered-by"], url).toBeUndefined();
    // Served over plain http://localhost: HSTS would be meaningless (and is only sent over HTTPS).
    expect(headers["strict-transport-security"], url).toBeUndefined();
  }
  // A nonce is good for one response only.
  expect(nonces.size).toBe(anonymousUrls.length);
});

test("a client cannot choose the nonce by sending its own CSP header", async ({ request }) => {
  const response = await request.get("/sign-in", { headers: { "content-security-policy": "script-src 'nonce-attackerchosen1234567890'" } });
  expect(response.headers()["content-security-policy"]).not.toContain("attackerchosen");
  expect(await response.text()).not.toContain("attackerchosen");
});

/** Records CSP violations reported by the browser from the first script on. */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction("__reportCspViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { __reportCspViolation(text: string): void }).__reportCspViolation(`${event.violatedDirective} ${event.blockedURI} at ${location.pathname}`);
    });
  });
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

/** React has attached to the server-rendered DOM: client components run. */
async function expectHydrated(page: Page) {
  await expect
    .poll(() => page.evaluate(() => Object.keys(document.querySelector("main") ?? document.body).some((key) => key.startsWith("__react"))), { message: `hydrated ${page.url()}` })
    .toBe(true);
}

async function visitAll(page: Page, paths: string[]) {
  const violations = await watchViolations(page);
  for (const path of paths) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectHydrated(page);
  }
  expect(violations).toEqual([]);
}

test("anonymous pages hydrate under the CSP without a single violation", async ({ page, signInPage }) => {
  await visitAll(page, ["/sign-in", "/register"]);
  // A client-side form behaviour: the action's answer arrives and the form is usable again.
  await signInPage.goto();
  const alert = await signInPage.signInExpectingRefusal("nobody-csp@example.com", "not the password at all");
  await expect(alert).toBeVisible();
});

test("partner pages hydrate under the CSP without a single violation", async ({ partnerPage }) => {
  await visitAll(partnerPage, ["/dashboard", "/upload", "/history", "/keys", "/troubleshooting", "/account", "/guides"]);
});

test("admin pages hydrate under the CSP without a single violation", async ({ adminPage }) => {
  await visitAll(adminPage, ["/admin/registrations", "/admin/organisations", "/admin/destinations", "/admin/destinations/new", "/admin/keys", "/admin/audit"]);
});

test("support pages hydrate under the CSP without a single violation", async ({ supportPage }) => {
  await visitAll(supportPage, ["/support/transfers", "/support/diagnostics"]);
});

test("markup injected into a page cannot run script", async ({ page }) => {
  const violations = await watchViolations(page);
  await page.goto("/sign-in");
  await expectHydrated(page);
  // What an HTML-injection bug would let an attacker place: an inline event handler.
  await page.evaluate(() => {
    const holder = document.createElement("div");
    holder.innerHTML = `<img src="/no-such-image.png" onerror="window.__injected = true">`;
    document.body.appendChild(holder);
  });
  await expect.poll(() => violations.length).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
});
