import { e2eCredentials } from "./credentials";
import { expect, test } from "./fixtures";
import { SignInPage } from "./pages/sign-in-page";

/**
 * Issue #17, point 1: the portal opened under another name for the same server (127.0.0.1 for the
 * printed localhost) used to set the session cookie for one host and land on the other, a silent
 * loop back to an empty sign-in form. Pages now go to PUBLIC_URL's host first; the API answers any.
 */
test("a partner who opens the portal at 127.0.0.1 is sent to the printed localhost address and signs in", async ({ browser, baseURL }) => {
  const canonical = new URL(baseURL!);
  const alias = new URL(baseURL!);
  alias.hostname = "127.0.0.1";
  const context = await browser.newContext({ baseURL: alias.origin });
  const page = await context.newPage();

  await page.goto(`${alias.origin}/history?page=2`);
  // The redirect keeps the path; the session check then sends a browser without a session to sign-in.
  await expect(page).toHaveURL(`${canonical.origin}/sign-in`);
  const signIn = new SignInPage(page);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await signIn.signIn(e2eCredentials.partner.email, e2eCredentials.partner.password);
  await expect(page).toHaveURL(`${canonical.origin}/dashboard`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome");
  // Signed in for good: the next page opens without a new sign-in.
  await page.goto(`${alias.origin}/history`);
  await expect(page).toHaveURL(`${canonical.origin}/history`);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page).not.toHaveURL(/sign-in/);
  await context.close();
});

test("the redirect is a 307 to the same path and query on PUBLIC_URL's origin; health checks and the API answer under any host name", async ({ playwright, baseURL }) => {
  const alias = new URL(baseURL!);
  alias.hostname = "127.0.0.1";
  const api = await playwright.request.newContext({ baseURL: alias.origin });
  const page = await api.get("/sign-in?callbackUrl=%2Fhistory", { maxRedirects: 0 });
  expect(page.status()).toBe(307);
  expect(page.headers()["location"]).toBe(`${new URL(baseURL!).origin}/sign-in?callbackUrl=%2Fhistory`);
  expect(page.headers()["cache-control"]).toBe("no-store");
  // A path that looks like a host ("//evil.example/x") stays a path on the portal: lib/http/canonical-host.test.ts.

  const health = await api.get("/api/health", { maxRedirects: 0 });
  expect(health.status()).toBe(200);
  const unauthenticated = await api.get("/api/v1/transfers", { maxRedirects: 0 });
  expect(unauthenticated.status()).toBe(401);
  await api.dispose();
});
