import crypto from "node:crypto";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { approvedPartner } from "./partner-onboarding";
import { createPartnerAccount } from "./pages/unreachable-payer";
import type { Registration } from "./pages/register-page";
import { closedPort } from "../test/support/closed-port";

/*
 * Issue #17, point 2: a test file never reaches production by default. New destinations block X12
 * envelope problems; where an admin chose "warn", a file marked ISA15 = T sent in production mode is
 * held with "Send anyway" / "Don't send", like a duplicate. A new clinic with an account on a payer
 * whose server does not answer: the held files never need a connection to show the hold.
 */
test.describe.configure({ mode: "serial" });

const suffix = Date.now().toString(36);
const payer = `Held Files Payer ${suffix}`;
const accountLabel = `${payer} (user held-${suffix})`;
let clinic: Registration;
let clinicPage: Page;

test.afterAll(async () => {
  await clinicPage?.context().close();
});

/** An X12 file from `sender`, marked T (test) in ISA15, with a unique reference (never a duplicate). */
function testMarkedFile(name: string, sender: string) {
  const isa = `ISA*00*          *00*          *ZZ*${sender.padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*T*:~`;
  return { name, mimeType: "text/plain", buffer: Buffer.from(`${isa}GS*HC*${sender}*RECEIVER*20261121*1030*1*X*005010X222A1~ST*837*0001~REF*F8*${crypto.randomUUID()}~SE*3*0001~GE*1*1~IEA*1*000000001~`) };
}

async function uploadInProduction(page: Page, file: ReturnType<typeof testMarkedFile>) {
  await page.goto("/upload");
  await page.getByLabel("Send to").selectOption({ label: accountLabel });
  await page.getByRole("radio", { name: "Production" }).check();
  await page.getByLabel("Choose files").setInputFiles(file);
  return page.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name: file.name });
}

test("a new destination blocks X12 envelope problems unless the admin chooses to hold them", async ({ browser, adminPage }) => {
  clinicPage = await (await browser.newContext()).newPage();
  clinic = await approvedPartner(clinicPage, adminPage, "Held");

  await adminPage.goto("/admin/destinations/new");
  const form = adminPage.getByRole("form", { name: "Destination settings" });
  // The default for a new destination: block.
  await expect(form.getByLabel("X12 envelope problems")).toHaveValue("block");
  await form.getByLabel("Name", { exact: true }).fill(payer);
  await form.getByLabel("Protocol").selectOption("ftps_explicit");
  await form.getByLabel("Host", { exact: true }).fill("127.0.0.1");
  await form.getByLabel("Port", { exact: true }).fill(String(await closedPort()));
  await form.getByLabel("X12 envelope problems").selectOption("warn");
  await form.getByRole("button", { name: "Create destination" }).click();
  await expect(adminPage.getByRole("heading", { level: 1, name: payer })).toBeVisible();
  await createPartnerAccount(adminPage, clinic.organisationName, payer, `held-${suffix}`);
});

test("a T-marked file sent in production mode is held with Send anyway / Don't send", async ({ adminPage }) => {
  // "Don't send", right on the upload page.
  const dropped = testMarkedFile(`CLAIMS-HELD-A-${suffix}.X12`, clinic.submitterId);
  const first = await uploadInProduction(clinicPage, dropped);
  await expect(first.getByRole("status")).toContainText("Held for your decision: the file's test/production mark (ISA15) does not match the mode you chose", { timeout: 30_000 });
  const decision = first.getByRole("form", { name: "Send or hold back this file" });
  await expect(decision.getByRole("button", { name: "Send anyway" })).toBeVisible();
  await decision.getByRole("button", { name: "Don't send" }).click();
  await expect(first.getByText("Cancelled: the file will not be sent")).toBeVisible();

  // "Send anyway", from the transfer's page, which says what the hold is about.
  const sent = testMarkedFile(`CLAIMS-HELD-B-${suffix}.X12`, clinic.submitterId);
  const second = await uploadInProduction(clinicPage, sent);
  await expect(second.getByRole("status")).toContainText("Held for your decision", { timeout: 30_000 });
  await second.getByRole("link", { name: "Follow it" }).click();
  const hold = clinicPage.getByRole("region", { name: "Held for a decision" });
  await expect(hold).toContainText("the file's test/production mark (ISA15) does not match the mode you chose");
  await expect(clinicPage.getByRole("list", { name: "Checks" })).toContainText("The file is marked test (ISA15 = T), but you chose production.");
  await hold.getByRole("button", { name: "Send anyway" }).click();
  // Released: the page shows the transfer on its way, the hold gone.
  await expect(clinicPage.getByRole("region", { name: "Held for a decision" })).toHaveCount(0);
  await clinicPage.reload();
  await expect(clinicPage.getByRole("region", { name: "Held for a decision" })).toHaveCount(0);

  // Both decisions are in the audit log.
  await adminPage.goto("/admin/audit?action=transfer.hold_cancelled");
  await expect(adminPage.getByRole("row").filter({ hasText: dropped.name })).toHaveCount(1);
  await adminPage.goto("/admin/audit?action=transfer.hold_released");
  await expect(adminPage.getByRole("row").filter({ hasText: sent.name })).toHaveCount(1);
});
