import { expect, type Page } from "@playwright/test";
import { closedPort } from "../../test/support/closed-port";
import { e2eCredentials } from "../credentials";
import { KeysPage } from "./keys-page";

/** The admin adds an FTPS destination on a port nothing answers: a payer whose server is down. */
export async function createUnreachableDestination(adminPage: Page, name: string): Promise<void> {
  await adminPage.goto("/admin/destinations/new");
  const form = adminPage.getByRole("form", { name: "Destination settings" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Protocol").selectOption("ftps_explicit");
  await form.getByLabel("Host", { exact: true }).fill("127.0.0.1");
  await form.getByLabel("Port", { exact: true }).fill(String(await closedPort()));
  await form.getByRole("button", { name: "Create destination" }).click();
  await expect(adminPage.getByRole("heading", { level: 1, name })).toBeVisible();
}

/** The admin gives an organisation an account on a destination; the partner sets its password. */
export async function createPartnerAccount(adminPage: Page, organisationName: string, destinationName: string, username: string): Promise<void> {
  await adminPage.goto(`/admin/organisations?q=${encodeURIComponent(organisationName)}`);
  await adminPage.getByRole("link", { name: organisationName }).click();
  const form = adminPage.getByRole("form", { name: "Create partner account" });
  await form.getByLabel("Destination").selectOption({ label: destinationName });
  await form.getByLabel("Upstream user name").fill(username);
  await form.getByLabel("Password and key set by").selectOption("partner");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(adminPage.getByRole("table").filter({ hasText: destinationName }).first()).toBeVisible();
}

export async function storeUpstreamPassword(partnerPage: Page, destinationName: string, password: string): Promise<void> {
  const keys = new KeysPage(partnerPage);
  await keys.goto();
  await keys.confirmIfAsked(e2eCredentials.partner.password);
  const section = keys.section(destinationName);
  const form = section.getByRole("form", { name: "Upstream password" });
  await form.getByLabel("Payer password").fill(password);
  await form.getByRole("button", { name: "Store password" }).click();
  await expect(form.getByRole("status")).toBeVisible();
}

/** An upload row once the file was accepted: queued, then followed live to wherever its delivery got (the page polls). */
export const UPLOAD_ACCEPTED = /queued for delivery|sending it to the payer|Delivered to the payer|Needs attention|Failed/;

/**
 * Uploads one X12 test file in the browser and returns the transfer page's URL. `senderId` (ISA06) must
 * be the organisation's submitter ID: new destinations refuse a sender mismatch.
 */
export async function uploadTestFile(partnerPage: Page, accountLabel: string, name: string, senderId = "000000050"): Promise<string> {
  const body = Buffer.from(`ISA*00*          *00*          *ZZ*${senderId.padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*T*:~REF*F8*${name}~IEA*1*000000001~`);
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: accountLabel });
  await partnerPage.getByRole("radio", { name: "Test" }).check();
  await partnerPage.getByLabel("Choose files").setInputFiles({ name, mimeType: "text/plain", buffer: body });
  const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name });
  await expect(item.getByRole("status")).toContainText(UPLOAD_ACCEPTED, { timeout: 30_000 });
  const href = await item.getByRole("link", { name: "Follow it" }).getAttribute("href");
  expect(href).toBeTruthy();
  return href!;
}
