import { request as playwrightRequest } from "@playwright/test";
import { e2eCredentials } from "./credentials";
import { expect, test } from "./fixtures";
import { approvedPartner, signOut } from "./partner-onboarding";
import { TwoFactorPage } from "./pages/two-factor-page";
import { Authenticator } from "./totp";

test("a partner turns on two-factor with the key, signs in with codes; a recovery code works once, used codes are refused, and five wrong codes burn the sign-in", async ({ page, adminPage, signInPage }) => {
  const partner = await approvedPartner(page, adminPage, "Totp");
  await page.goto("/account");
  const section = page.getByRole("region", { name: "Two-factor sign-in" });
  await section.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  await expect(section.getByRole("img", { name: "QR code for your authenticator app" }).locator("svg")).toBeVisible();
  const authenticator = Authenticator.fromManualKey((await section.getByLabel("Key for manual entry").textContent()) ?? "");
  const recoveryCodes = await section.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").allTextContents();
  expect(recoveryCodes).toHaveLength(10);
  await section.getByLabel("Code from your authenticator app").fill(await authenticator.nextCode());
  await section.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(section).toContainText("On since");
  await page.reload();
  // Once active, the key and the codes are never shown again.
  await expect(section).toContainText("10 of 10 recovery codes left");
  await expect(section.getByLabel("Key for manual entry")).toHaveCount(0);

  const twoFactor = new TwoFactorPage(page);
  await signOut(page);
  await signInPage.signIn(partner.email, partner.password);
  await twoFactor.expectCodePrompt();
  const usedCode = await authenticator.nextCode();
  await twoFactor.submitCode(usedCode);
  await expect(page).toHaveURL(/\/dashboard$/);

  await signOut(page);
  await signInPage.signIn(partner.email, partner.password);
  await twoFactor.expectCodePrompt();
  await twoFactor.submitCode(recoveryCodes[0]);
  await expect(page).toHaveURL(/\/dashboard$/);

  await signOut(page);
  await signInPage.signIn(partner.email, partner.password);
  await twoFactor.expectCodePrompt();
  await expect(await twoFactor.submitCodeExpectingRefusal(recoveryCodes[0])).toContainText("not valid, or was already used. Enter the current 6-digit code from your app, or one of your recovery codes. 4 attempts left.");
  await expect(await twoFactor.submitCodeExpectingRefusal(usedCode)).toContainText("3 attempts left.");
  await expect(await twoFactor.submitCodeExpectingRefusal(await authenticator.wrongCode())).toContainText("2 attempts left.");
  await expect(await twoFactor.submitCodeExpectingRefusal(await authenticator.wrongCode())).toContainText("1 attempt left.");
  await expect(await twoFactor.submitCodeExpectingRefusal(await authenticator.wrongCode())).toContainText("Too many wrong codes, so this sign-in was cancelled");
  // The burned sign-in is gone, even for a right code.
  await page.goto("/sign-in/two-factor");
  await expect(page.getByRole("heading", { name: "Sign-in expired" })).toBeVisible();

  await signInPage.goto();
  await signInPage.signIn(partner.email, partner.password);
  await twoFactor.submitCode(await authenticator.nextCode());
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/account");
  await expect(section).toContainText("9 of 10 recovery codes left");

  // An administrator resets it (for a lost phone): the partner's session ends and the password alone signs in again.
  await adminPage.goto(`/admin/organisations?q=${encodeURIComponent(partner.organisationName)}`);
  await adminPage.getByRole("link", { name: partner.organisationName }).click();
  const row = adminPage.getByRole("listitem", { name: partner.email });
  await row.getByRole("button", { name: "Reset two-factor" }).click();
  await expect(row.getByRole("status")).toContainText("was reset");
  await page.goto("/account");
  await expect(page).toHaveURL(/\/sign-in/);
  await signInPage.signIn(partner.email, partner.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await adminPage.goto("/admin/audit?action=user.two_factor_reset");
  await expect(adminPage.getByRole("row").filter({ hasText: partner.email })).toContainText(e2eCredentials.admin.email);
});

test("an organisation that requires two-factor makes its users enrol before any session exists", async ({ page, adminPage, signInPage }) => {
  const partner = await approvedPartner(page, adminPage, "Require");
  await page.goto("/account");
  const section = page.getByRole("region", { name: "Two-factor sign-in" });
  await section.getByRole("button", { name: "Require it for everyone" }).click();
  await expect(section.getByRole("status")).toContainText("now required for everyone");
  await signOut(page);

  await signInPage.signIn(partner.email, partner.password);
  const twoFactor = new TwoFactorPage(page);
  await twoFactor.expectEnrolment();
  // Nothing else is reachable in between.
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/sign-in/two-factor");
  await twoFactor.enrol();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/account");
  await expect(section).toContainText("Your organisation requires it for all its users.");
  await expect(section.getByRole("button", { name: "Turn off two-factor sign-in" })).toHaveCount(0);
});

test("the password step alone never yields a session, even when the Auth.js callback is called directly", async ({ baseURL }) => {
  const api = await playwrightRequest.newContext({ baseURL });
  const { csrfToken } = (await (await api.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const response = await api.post("/api/auth/callback/credentials", {
    form: { email: e2eCredentials.support.email, password: e2eCredentials.support.password, csrfToken, callbackUrl: "/" },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(302);
  const setCookies = response.headersArray().filter((h) => h.name.toLowerCase() === "set-cookie").map((h) => h.value);
  expect(setCookies.filter((c) => /authjs\.session-token=[^;]/.test(c))).toEqual([]);
  expect((await api.storageState()).cookies.map((c) => c.name)).not.toContain("authjs.session-token");
  const protectedPage = await api.get("/support/transfers", { maxRedirects: 0 });
  expect(protectedPage.status()).toBe(307);
  expect(protectedPage.headers().location).toMatch(/\/sign-in$/);
  await api.dispose();
});

test("session and pending-sign-in cookies are HttpOnly and SameSite=Lax (not Secure on plain-http localhost)", async ({ page, signInPage }) => {
  const setCookieOf = async (trigger: () => Promise<void>) => {
    const response = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname.startsWith("/sign-in"));
    await trigger();
    return (await (await response).headersArray()).filter((h) => h.name.toLowerCase() === "set-cookie").map((h) => h.value);
  };
  await signInPage.goto();
  const pending = await setCookieOf(() => signInPage.signIn(e2eCredentials.support.email, e2eCredentials.support.password));
  const pendingCookie = pending.find((c) => c.startsWith("portal.pending-sign-in="));
  expect(pendingCookie).toMatch(/; HttpOnly/i);
  expect(pendingCookie).toMatch(/; SameSite=Lax/i);
  expect(pendingCookie).not.toMatch(/; Secure/i);
  await expect(page).toHaveURL(/\/sign-in\/two-factor$/);

  await signInPage.goto();
  const session = await setCookieOf(() => signInPage.signIn(e2eCredentials.partner.email, e2eCredentials.partner.password));
  const sessionCookie = session.find((c) => c.startsWith("authjs.session-token="));
  expect(sessionCookie).toMatch(/; HttpOnly/i);
  expect(sessionCookie).toMatch(/; SameSite=Lax/i);
  expect(sessionCookie).not.toMatch(/; Secure/i);
  const stored = (await page.context().cookies()).find((c) => c.name === "authjs.session-token");
  expect(stored).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false });
});
