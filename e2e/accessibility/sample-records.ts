import crypto from "node:crypto";
import { expect, type Browser, type Page } from "@playwright/test";
import { e2eCredentials } from "../credentials";
import { MailInbox } from "../pages/mail-inbox";
import { RegisterPage, uniqueRegistration } from "../pages/register-page";
import { SignInPage } from "../pages/sign-in-page";
import { uniqueClaimStamp } from "../claim-names";

/*
 * The records behind the detail pages the accessibility scan visits, made through the portal as a
 * person would (or found, when an earlier spec already made one): a held file, a diagnosis, a payer
 * file, emailed links.
 */

const SFTP = "Sandbox payer (SFTP, password + key)";

/** A claim file the sandbox SFTP payer accepts, unique to this call. */
function claimFile() {
  const stamp = uniqueClaimStamp();
  const isa = `ISA*00*          *00*          *ZZ*${"000000050".padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*P*:~`;
  const body = `${isa}GS*HC*000000050*RECEIVER*20261121*1030*1*X*005010X222A1~ST*837*0001~REF*F8*${crypto.randomUUID()}~SE*4*0001~GE*1*1~IEA*1*000000001~`;
  return { name: `S000000050A11Y-${stamp}P.TXT`, mimeType: "text/plain", buffer: Buffer.from(body) };
}

async function upload(partnerPage: Page, file: ReturnType<typeof claimFile>) {
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: `${SFTP} (user sunshine)` });
  await partnerPage.getByRole("radio", { name: "Production" }).check();
  await partnerPage.getByLabel("Choose files").setInputFiles(file);
  return partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem").first();
}

/**
 * A transfer held for the partner's decision: the same file sent again after it was delivered.
 * The partner's page stays on the upload page, its rows showing the delivered and the held file.
 */
export async function heldTransferPath(partnerPage: Page): Promise<string> {
  const file = claimFile();
  const first = await upload(partnerPage, file);
  await expect(first.getByRole("status")).toContainText("Delivered to the payer", { timeout: 60_000 });
  const again = await upload(partnerPage, file);
  await expect(again.getByRole("status")).toContainText("Held for your decision", { timeout: 30_000 });
  return (await again.getByRole("link", { name: "Follow it" }).getAttribute("href"))!;
}

/** A diagnosis of the demo clinic's sandbox account: the newest listed, or one run now. */
export async function diagnosisPath(partnerPage: Page): Promise<string> {
  await partnerPage.goto("/troubleshooting");
  const listed = partnerPage.locator('main a[href^="/diagnoses/"]');
  if ((await listed.count()) > 0) return (await listed.first().getAttribute("href"))!;
  await partnerPage.getByRole("region", { name: `Test ${SFTP}` }).getByRole("button", { name: "Test connection" }).click();
  await expect(partnerPage).toHaveURL(/\/diagnoses\/[0-9a-f-]{36}$/, { timeout: 60_000 });
  return new URL(partnerPage.url()).pathname;
}

/** A payer file (the demo's sample submissions bring some back within a minute of start-up). */
export async function payerFilePath(page: Page): Promise<string> {
  const link = page.locator('main a[href^="/responses/"]').first();
  await expect(async () => {
    await page.goto("/responses");
    await expect(link).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 90_000 });
  return (await link.getAttribute("href"))!;
}

/** The first link under `prefix` on the list at `listPath` (a destination, an organisation, a guide …). */
export async function firstLinkUnder(page: Page, listPath: string, prefix: string, except?: RegExp): Promise<string> {
  await page.goto(listPath);
  const hrefs = await page.locator(`main a[href^="${prefix}"]`).evaluateAll((links) => links.map((link) => link.getAttribute("href")!));
  const href = hrefs.find((candidate) => !except?.test(candidate));
  expect(href, `a link under ${prefix} on ${listPath}`).toBeTruthy();
  return href!;
}

/** The password-reset link emailed to the demo partner (unused: the password stays as it is). */
export async function resetPasswordPath(signedOut: Page, adminPage: Page): Promise<string> {
  await signedOut.goto("/forgot-password");
  await signedOut.getByLabel("Email").fill(e2eCredentials.partner.email);
  await signedOut.getByRole("button", { name: "Email me a reset link" }).click();
  await expect(signedOut.getByRole("main").getByRole("status")).toBeVisible();
  return new URL(await new MailInbox(adminPage).linkInLatest(e2eCredentials.partner.email, /Reset your portal password/)).pathname;
}

/** The invitation link an org-admin emailed to a colleague (never accepted). */
export async function invitationPath(partnerPage: Page, adminPage: Page): Promise<string> {
  const email = `a11y-${Date.now()}@clinic.example`;
  await partnerPage.goto("/account");
  const form = partnerPage.getByRole("form", { name: "Invite a colleague" });
  await form.getByLabel("Colleague's email").fill(email);
  await form.getByRole("button", { name: "Email an invitation" }).click();
  await expect(form.getByRole("status")).toContainText(`Invitation emailed to ${email}`);
  return new URL(await new MailInbox(adminPage).linkInLatest(email, /invited to the EDI Transfer Portal/)).pathname;
}

/** Support's password accepted, the second step waiting: the two-factor page of a signed-out browser. */
export async function atTwoFactorStep(signedOut: Page) {
  const signIn = new SignInPage(signedOut);
  await signIn.goto();
  await signIn.signIn(e2eCredentials.support.email, e2eCredentials.support.password);
  await expect(signedOut).toHaveURL(/\/sign-in\/two-factor/);
}

/** A page signed in as a newly registered organisation's contact, waiting for approval. */
export async function pendingPartnerPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  const register = new RegisterPage(page);
  await register.goto();
  await register.registerAndSignIn(uniqueRegistration("Pending"));
  await expect(page).toHaveURL(/\/pending$/);
  return page;
}
